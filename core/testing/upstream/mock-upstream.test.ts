import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { performance } from 'node:perf_hooks';
import { startMockUpstream, type MockUpstream } from './index.ts';

// Talks to the mock through real fetch calls, the way the gateway will.

interface SseFrame {
  event?: string;
  data?: string;
  comment?: string;
}

function parseSse(text: string): SseFrame[] {
  return text
    .split('\n\n')
    .filter((block) => block !== '')
    .map((block) => {
      const frame: SseFrame = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) frame.comment = line.slice(1).trim();
        else if (line.startsWith('event: ')) frame.event = line.slice(7);
        else if (line.startsWith('data: ')) frame.data = line.slice(6);
      }
      return frame;
    });
}

const json = (frame: SseFrame) => JSON.parse(frame.data!);

/** Reads until the body ends or breaks; returns what arrived and the error, if any. */
async function readAll(res: Response): Promise<{ text: string; error?: unknown }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text };
      text += decoder.decode(value, { stream: true });
    }
  } catch (error) {
    return { text, error };
  }
}

const OK_PROMPT = 'Reply with exactly ok and no punctuation.';
const user = (content: string) => ({ role: 'user', content });

describe('mock upstream', () => {
  let mock: MockUpstream;
  const post = (path: string, body: unknown, init: RequestInit = {}) =>
    fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...init });

  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  afterEach(() => {
    expect(mock.pending()).toBe(0);
    mock.reset();
  });

  it('lists models on both prefixes', async () => {
    for (const path of ['/v1/models', '/models']) {
      const body = await (await fetch(`${mock.url}${path}`)).json();
      expect(body.object).toBe('list');
      expect(body.data.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(['gpt-4.1-mini', 'deepseek-v4-pro', 'deepseek-v4-flash']));
    }
  });

  it('answers 404 and bad JSON in the OpenAI error shape, and records requests', async () => {
    const notFound = await post('/v1/nope', {});
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).error.type).toBe('invalid_request_error');
    const bad = await fetch(`${mock.url}/v1/responses`, { method: 'POST', body: '{oops' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toMatch(/parse the JSON/);
    expect(mock.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/v1/nope', {}],
      ['POST', '/v1/responses', '{oops'],
    ]);
  });

  describe('/v1/responses', () => {
    it('answers ok without streaming', async () => {
      const res = await post('/v1/responses', { model: 'gpt-4.1-mini', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: OK_PROMPT }] }] });
      const body = await res.json();
      expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'gpt-4.1-mini', error: null });
      expect(body.id).toMatch(/^resp_/);
      expect(body.output).toHaveLength(1);
      expect(body.output[0]).toMatchObject({ type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'ok' }] });
      expect(body.usage.input_tokens_details.cached_tokens).toBeGreaterThan(0);
      expect(body.usage.output_tokens_details.reasoning_tokens).toBe(0);
      expect(body.usage.total_tokens).toBe(body.usage.input_tokens + body.usage.output_tokens);
    });

    it('refuses what OpenAI refuses of a replayed conversation, with its messages', async () => {
      const refused = async (body: object) => {
        const res = await post('/v1/responses', body);
        expect(res.status).toBe(400);
        return (await res.json()).error;
      };
      expect((await refused({ model: 'gpt-4.1-mini', input: 'hi', reasoning: { effort: 'high' } })).param).toBe('reasoning.effort');
      expect((await post('/v1/responses', { model: 'gpt-5.5', input: 'hi', reasoning: { effort: 'high' } })).status).toBe(200);
      expect((await refused({ model: 'gpt-5.5', input: [{ type: 'function_call_output', call_id: 'call_x', output: 'r' }] })).message).toContain('No tool call found for function call output with call_id call_x');
      expect((await refused({ model: 'gpt-5.5', store: false, input: [{ type: 'reasoning', id: 'rs_1', summary: [] }, { type: 'message', role: 'user', content: 'hi' }] })).message).toContain('Items are not persisted when `store` is set to false');
      expect((await refused({ model: 'gpt-5.5', store: false, input: [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'aurora.r1.sealed' }] })).code).toBe('invalid_encrypted_content');
      const replay = [{ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAAABmock_x' }, { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: 'r' }];
      expect((await post('/v1/responses', { model: 'gpt-5.5', store: false, input: replay })).status).toBe(200);
    });

    it('echoes the last user text of a string input', async () => {
      const body = await (await post('/v1/responses', { model: 'gpt-4.1-mini', input: 'hello there' })).json();
      expect(body.output[0].content[0].text).toBe('echo: hello there');
    });

    it('streams the full event sequence', async () => {
      const res = await post('/v1/responses', { model: 'deepseek-v4-pro', stream: true, input: OK_PROMPT });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const frames = parseSse(await res.text());
      expect(frames.map((f) => f.event)).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.content_part.added',
        'response.output_text.delta',
        'response.output_text.delta',
        'response.output_text.done',
        'response.content_part.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const events = frames.map(json);
      expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
      events.forEach((e, i) => expect(e.type).toBe(frames[i]!.event));
      const itemId = events[2].item.id;
      expect(itemId).toMatch(/^msg_/);
      for (const e of events.slice(3, 8)) expect(e).toMatchObject({ item_id: itemId, output_index: 0, content_index: 0 });
      expect(events.slice(4, 6).map((e) => e.delta)).toEqual(['o', 'k']);
      const done = events[9].response;
      expect(done.status).toBe('completed');
      expect(done.output[0].content[0].text).toBe('ok');
      expect(done.usage).toMatchObject({ input_tokens_details: { cached_tokens: expect.any(Number) }, output_tokens_details: { reasoning_tokens: 0 } });
    });

    it('renders a scripted turn with reasoning and a function call', async () => {
      mock.enqueue({ reasoning: 'Need to list files.', toolCalls: [{ id: 'call_x', name: 'exec_command', arguments: '{"cmd":"ls"}' }] });
      const res = await post('/v1/responses', { model: 'gpt-5.5', stream: true, input: 'list', include: ['reasoning.encrypted_content'] });
      const events = parseSse(await res.text()).map(json);
      const done = events.filter((e) => e.type === 'response.output_item.done').map((e) => e.item);
      expect(done.map((i) => i.type)).toEqual(['reasoning', 'function_call']);
      expect(done[0].encrypted_content).toEqual(expect.any(String));
      expect(done[1]).toMatchObject({ call_id: 'call_x', name: 'exec_command', arguments: '{"cmd":"ls"}', status: 'completed' });
      expect(events.at(-1).response.output).toHaveLength(2);
    });
  });

  describe('/chat/completions (DeepSeek)', () => {
    it('answers ok without streaming, with DeepSeek usage', async () => {
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', messages: [{ role: 'system', content: 'be brief' }, user(OK_PROMPT)] });
      const body = await res.json();
      expect(body.object).toBe('chat.completion');
      const choice = body.choices[0];
      expect(choice.finish_reason).toBe('stop');
      expect(choice.message).toMatchObject({ role: 'assistant', content: 'ok', reasoning_content: expect.any(String) });
      const u = body.usage;
      expect(u.prompt_cache_hit_tokens + u.prompt_cache_miss_tokens).toBe(u.prompt_tokens);
      expect(u.prompt_cache_hit_tokens).not.toBe(u.prompt_cache_miss_tokens);
      expect(u.completion_tokens_details.reasoning_tokens).toBeGreaterThan(0);
      expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    });

    it('is deterministic apart from ids', async () => {
      const body = { model: 'deepseek-v4-flash', messages: [user('same')], thinking: { type: 'disabled' } };
      const a = await (await post('/v1/chat/completions', body)).json();
      const b = await (await post('/v1/chat/completions', body)).json();
      expect({ ...a, id: 0 }).toEqual({ ...b, id: 0 });
      expect(a.choices[0].message).toEqual({ role: 'assistant', content: 'echo: same' });
    });

    it('streams keep-alive, role, reasoning, content, finish, usage, [DONE]', async () => {
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', stream: true, stream_options: { include_usage: true }, messages: [user(OK_PROMPT)] });
      const frames = parseSse(await res.text());
      expect(frames[0]).toEqual({ comment: 'keep-alive' });
      expect(frames.at(-1)!.data).toBe('[DONE]');
      const chunks = frames.slice(1, -1).map(json);
      expect(chunks[0].choices[0].delta.role).toBe('assistant');
      const deltas = chunks.slice(1).filter((c) => c.choices.length > 0).map((c) => c.choices[0].delta);
      const lastReasoning = deltas.findLastIndex((d) => typeof d.reasoning_content === 'string' && d.reasoning_content !== '');
      const firstContent = deltas.findIndex((d) => typeof d.content === 'string' && d.content !== '');
      expect(lastReasoning).toBeGreaterThanOrEqual(0);
      expect(lastReasoning).toBeLessThan(firstContent);
      expect(deltas.map((d) => d.content ?? '').join('')).toBe('ok');
      const finish = chunks.at(-2);
      expect(finish.choices[0].finish_reason).toBe('stop');
      const usage = chunks.at(-1);
      expect(usage.choices).toEqual([]);
      expect(usage.usage).toMatchObject({ prompt_cache_hit_tokens: expect.any(Number), prompt_cache_miss_tokens: expect.any(Number), completion_tokens_details: { reasoning_tokens: expect.any(Number) } });
    });

    it('streams reasoning and two interleaved tool calls', async () => {
      mock.enqueue({
        reasoning: 'I will read two files.',
        toolCalls: [
          { id: 'call_00_a', name: 'read', arguments: '{"path":"a.txt"}' },
          { id: 'call_01_b', name: 'read', arguments: '{"path":"b.txt"}' },
        ],
      });
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', stream: true, messages: [user('read both')] });
      const chunks = parseSse(await res.text()).filter((f) => f.data && f.data !== '[DONE]').map(json);
      const fragments = chunks.flatMap((c) => c.choices[0].delta.tool_calls ?? []);
      const order = fragments.map((f: { index: number }) => f.index);
      expect(order).not.toEqual([...order].sort()); // interleaved at least once
      const calls: Record<number, { id?: string; name?: string; args: string }> = {};
      for (const f of fragments) {
        if (!calls[f.index]) {
          expect(f).toMatchObject({ id: expect.any(String), type: 'function', function: { name: 'read' } });
          calls[f.index] = { id: f.id, name: f.function.name, args: '' };
        } else {
          expect(f.id).toBeUndefined();
        }
        calls[f.index]!.args += f.function.arguments;
      }
      expect(calls).toEqual({
        0: { id: 'call_00_a', name: 'read', args: '{"path":"a.txt"}' },
        1: { id: 'call_01_b', name: 'read', args: '{"path":"b.txt"}' },
      });
      const reasoningAt = chunks.findLastIndex((c) => c.choices[0].delta.reasoning_content);
      const firstCallAt = chunks.findIndex((c) => c.choices[0].delta.tool_calls);
      expect(reasoningAt).toBeLessThan(firstCallAt);
      expect(chunks.at(-1).choices[0].finish_reason).toBe('tool_calls');
    });

    it('returns tool calls with null content without streaming', async () => {
      mock.enqueue({ reasoning: 'r', toolCalls: [{ name: 'exec_command', arguments: '{}' }] });
      const body = await (await post('/chat/completions', { model: 'deepseek-v4-pro', messages: [user('go')] })).json();
      const message = body.choices[0].message;
      expect(message.content).toBeNull();
      expect(message.reasoning_content).toBe('r');
      expect(message.tool_calls[0]).toMatchObject({ id: expect.stringMatching(/^call_00_/), type: 'function', function: { name: 'exec_command', arguments: '{}' } });
      expect(body.choices[0].finish_reason).toBe('tool_calls');
    });

    const toolTurn = (extra: Record<string, unknown>) => [
      user('list files'),
      { role: 'assistant', content: '', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{}' } }], ...extra },
      { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
    ];

    it('rejects a tool-calling assistant message without reasoning_content in thinking mode', async () => {
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', messages: toolTurn({}) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: { message: 'The `reasoning_content` in the thinking mode must be passed back to the API.', type: 'invalid_request_error', param: null, code: 'invalid_request_error' },
      });
      expect((await post('/chat/completions', { model: 'deepseek-v4-pro', messages: toolTurn({ reasoning_content: '' }) })).status).toBe(200);
      expect((await post('/chat/completions', { model: 'deepseek-v4-pro', thinking: { type: 'disabled' }, messages: toolTurn({}) })).status).toBe(200);
    });

    it('rejects the developer role', async () => {
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', messages: [{ role: 'developer', content: 'x' }, user('hi')] });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/unknown variant `developer`/);
    });

    it('rejects unanswered tool calls, orphan tool messages, missing content and bad efforts', async () => {
      const cases: Array<[unknown[], RegExp, Record<string, unknown>?]> = [
        [toolTurn({ reasoning_content: '' }).slice(0, 2), /insufficient tool messages/],
        [[...toolTurn({ reasoning_content: '' }).slice(0, 2), user('next')], /insufficient tool messages/],
        [[user('x'), { role: 'tool', tool_call_id: 'nope', content: '' }], /must be a response to a preceding/],
        [[user('x'), { role: 'assistant' }], /missing field `content`/],
        [[user('x')], /reasoning_effort/, { reasoning_effort: 'medium' }],
        [[user('x')], /tools\[0\]/, { tools: [{ type: 'function', name: 'flat' }] }],
      ];
      for (const [messages, message, extra] of cases) {
        const res = await post('/chat/completions', { model: 'deepseek-v4-pro', messages, ...extra });
        expect(res.status).toBe(400);
        expect((await res.json()).error.message).toMatch(message);
      }
      const ok = await post('/chat/completions', { model: 'deepseek-v4-pro', messages: [user('x')], reasoning_effort: 'max', some_future_field: 1 });
      expect(ok.status).toBe(200);
    });
  });

  describe('scripting', () => {
    it('sends a raw HTTP reply once, then defaults resume', async () => {
      mock.enqueue({ http: { status: 429, headers: { 'Retry-After': '2' }, body: { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } } } });
      expect(mock.pending()).toBe(1);
      const res = await post('/v1/responses', { model: 'gpt-4.1-mini', input: 'x' });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect((await res.json()).error.code).toBe('rate_limit_exceeded');
      expect((await post('/v1/responses', { model: 'gpt-4.1-mini', input: 'x' })).status).toBe(200);
    });

    it('gives a matching reply only to the request it matches', async () => {
      mock.enqueue({ content: 'for b', match: (r) => r.body?.input === 'b' });
      const a = await (await post('/v1/responses', { model: 'm', input: 'a' })).json();
      const b = await (await post('/v1/responses', { model: 'm', input: 'b' })).json();
      expect(a.output[0].content[0].text).toBe('echo: a');
      expect(b.output[0].content[0].text).toBe('for b');
    });

    it('resets the connection after n events, which is not a client abort', async () => {
      mock.enqueue({ fault: 'reset-after', events: 3 });
      const abort = Promise.race([mock.nextClientAbort(), new Promise((resolve) => setTimeout(resolve, 50, 'none'))]);
      const res = await post('/chat/completions', { model: 'deepseek-v4-pro', stream: true, messages: [user('hello')] });
      expect(res.status).toBe(200);
      const { text, error } = await readAll(res);
      expect(error).toBeDefined();
      expect(parseSse(text).filter((f) => f.data)).toHaveLength(3);
      expect(await abort).toBe('none');
    });

    it('sends a line that is not JSON', async () => {
      mock.enqueue({ fault: 'malformed-sse' });
      const text = await (await post('/v1/responses', { model: 'm', input: 'x', stream: true })).text();
      const frames = parseSse(text);
      expect(() => json(frames[1]!)).toThrow();
      expect(json(frames.at(-1)!).type).toBe('response.completed');
    });

    it('reports a client abort mid-stream', async () => {
      mock.enqueue({ fault: 'never-end', events: 2 });
      const controller = new AbortController();
      const res = await post('/v1/responses', { model: 'm', input: 'x', stream: true }, { signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read(); // the stream really started
      const aborted = mock.nextClientAbort();
      const before = performance.now();
      controller.abort();
      const at = await aborted;
      expect(at).toBeGreaterThanOrEqual(before);
      expect(at - before).toBeLessThan(1000);
    });

    it('hangs before headers until the client gives up', async () => {
      mock.enqueue({ fault: 'hang-before-headers' });
      const aborted = mock.nextClientAbort();
      await expect(post('/v1/responses', { model: 'm', input: 'x' }, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
      await aborted;
    });
  });
});

describe('mock upstream with an API key and pacing', () => {
  let mock: MockUpstream;
  beforeAll(async () => {
    mock = await startMockUpstream({ apiKey: 'sk-test', chunkDelayMs: 5, streamChunks: 3 });
  });
  afterAll(() => mock.close());

  it('answers 401 without the right key', async () => {
    for (const authorization of [undefined, 'Bearer wrong']) {
      const res = await fetch(`${mock.url}/v1/models`, { headers: authorization ? { authorization } : {} });
      expect(res.status).toBe(401);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_api_key' });
    }
    expect((await fetch(`${mock.url}/v1/models`, { headers: { authorization: 'Bearer sk-test' } })).status).toBe(200);
  });

  it('splits text into streamChunks pieces and paces events', async () => {
    const started = performance.now();
    const res = await fetch(`${mock.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test' },
      body: JSON.stringify({ model: 'm', input: 'abcdef', stream: true }),
    });
    const events = parseSse(await res.text()).map(json);
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual(['echo', ': ab', 'cdef']);
    expect(performance.now() - started).toBeGreaterThanOrEqual(5 * (events.length - 1) - 5);
  });
});
