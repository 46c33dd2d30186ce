/**
 * The Anthropic Messages front door (`/v1/messages`) with the official `@anthropic-ai/sdk`,
 * through the gateway to providers that do not speak Messages: the emulated DeepSeek (translated
 * through the hub and the deepseek plugin) and an OpenAI model on the emulated Responses API.
 */
import Anthropic from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestGateway } from 'aurora/testing';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, UPSTREAM_KEY, emulatedGateway, tempDir } from './helpers.ts';

const suite = emulatedGateway((mock) => [
  auth({ masterKey: MASTER_KEY }),
  effort(),
  deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
  openai({ apiKey: UPSTREAM_KEY, baseUrl: `${mock.url}/v1` }),
]);
let client: Anthropic;
beforeAll(() => {
  client = new Anthropic({ apiKey: MASTER_KEY, baseURL: suite.gw.url, maxRetries: 0 });
});

const BASH = {
  name: 'Bash',
  description: 'Run a shell command',
  input_schema: { type: 'object' as const, properties: { command: { type: 'string' } }, required: ['command'] },
};
const upstreamBody = () => suite.mock.requests.at(-1)!.body;

function raw(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${suite.gw.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('Messages to DeepSeek (translated through the hub)', () => {
  it('a plain turn: thinking and text blocks, end_turn, usage', async () => {
    suite.mock.enqueue({ reasoning: 'The user wants ok.', content: 'ok', usage: { prompt_tokens: 40, prompt_cache_hit_tokens: 32, completion_tokens: 6 } });
    const message = await client.messages.create({
      model: 'deepseek-v4-pro',
      max_tokens: 1024,
      system: [{ type: 'text', text: 'You are terse.' }],
      messages: [{ role: 'user', content: 'Reply with exactly ok' }],
    });
    expect(message.type).toBe('message');
    expect(message.model).toBe('deepseek-v4-pro');
    expect(message.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect(message.content[1]).toMatchObject({ type: 'text', text: 'ok' });
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage).toMatchObject({ input_tokens: 8, cache_read_input_tokens: 32, output_tokens: 6 });
    const sent = upstreamBody();
    expect(sent.messages[0]).toEqual({ role: 'system', content: 'You are terse.' });
    expect(sent.messages.at(-1)).toEqual({ role: 'user', content: 'Reply with exactly ok' });
    expect(sent.max_tokens).toBe(1024);
  });

  it('a streamed turn keeps the Messages event grammar, event for event', async () => {
    suite.mock.enqueue({ reasoning: 'Think a bit.', content: 'Hello there, streaming.' });
    const stream = client.messages.stream({ model: 'deepseek-v4-pro', max_tokens: 256, messages: [{ role: 'user', content: 'hi' }] });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types.at(-2)).toBe('message_delta');
    expect(types.filter((t) => t === 'content_block_start').length).toBe(types.filter((t) => t === 'content_block_stop').length);
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text']);
    expect((final.content[1] as Anthropic.TextBlock).text).toBe('Hello there, streaming.');
    expect(final.stop_reason).toBe('end_turn');
  });

  it('thinking + tool use over two turns: the thinking block carries the reasoning DeepSeek needs back', async () => {
    suite.mock.enqueue({ reasoning: 'I should run echo hi first.', toolCalls: [{ id: 'call_00_a', name: 'Bash', arguments: '{"command":"echo hi"}' }] });
    const ask: Anthropic.MessageCreateParams = {
      model: 'deepseek-v4-pro',
      max_tokens: 4096,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      tools: [BASH],
      messages: [{ role: 'user', content: 'Run echo hi' }],
    };
    const first = await client.messages.stream(ask).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const thinking = first.content[0] as Anthropic.ThinkingBlock;
    expect(thinking.thinking).toBe('I should run echo hi first.');
    expect(thinking.signature).toMatch(/^aurora\.sig1:/);
    const call = first.content[1] as Anthropic.ToolUseBlock;
    expect(call).toMatchObject({ id: 'call_00_a', name: 'Bash', input: { command: 'echo hi' } });

    suite.mock.enqueue({ reasoning: 'It printed hi.', content: 'done' });
    const second = await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'hi\n' }] },
      ],
    } as Anthropic.MessageCreateParamsNonStreaming);
    expect((second.content.at(-1) as Anthropic.TextBlock).text).toBe('done');
    const sent = upstreamBody();
    const assistant = sent.messages.find((m: { role: string }) => m.role === 'assistant');
    // The signature opened to DeepSeek's own reasoning: no emptied reasoning_content, no 400.
    expect(assistant.reasoning_content).toBe('I should run echo hi first.');
    expect(assistant.tool_calls).toEqual([{ id: 'call_00_a', type: 'function', function: { name: 'Bash', arguments: '{"command":"echo hi"}' } }]);
    expect(sent.messages.at(-1)).toEqual({ role: 'tool', tool_call_id: 'call_00_a', content: 'hi\n' });
    expect(sent.thinking).toEqual({ type: 'enabled' });
    expect(sent.reasoning_effort).toBe('high');
  });

  it('parallel tool calls come back as two tool_use blocks; both results go back in one user turn, in order', async () => {
    suite.mock.enqueue({
      reasoning: 'Two commands.',
      toolCalls: [{ id: 'call_00_x', name: 'Bash', arguments: '{"command":"ls a"}' }, { id: 'call_01_y', name: 'Bash', arguments: '{"command":"ls b"}' }],
    });
    const ask = { model: 'deepseek-v4-pro', max_tokens: 1024, tools: [BASH], messages: [{ role: 'user' as const, content: 'list a and b' }] };
    const first = await client.messages.create(ask);
    const calls = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(calls.map((c) => c.id)).toEqual(['call_00_x', 'call_01_y']);
    suite.mock.enqueue({ content: 'both listed' });
    await client.messages.create({
      ...ask,
      messages: [
        ...ask.messages,
        { role: 'assistant', content: first.content },
        { role: 'user', content: calls.map((c, i) => ({ type: 'tool_result' as const, tool_use_id: c.id, content: [{ type: 'text' as const, text: `out ${i}` }] })) },
      ],
    });
    const tools = upstreamBody().messages.filter((m: { role: string }) => m.role === 'tool');
    expect(tools).toEqual([{ role: 'tool', tool_call_id: 'call_00_x', content: 'out 0' }, { role: 'tool', tool_call_id: 'call_01_y', content: 'out 1' }]);
  });

  it('thinking disabled turns DeepSeek\'s thinking off', async () => {
    await client.messages.create({ model: 'deepseek-v4-flash', max_tokens: 64, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'hi' }] });
    expect(upstreamBody().thinking).toEqual({ type: 'disabled' });
  });
});

describe('Messages to an OpenAI model (translated through the hub)', () => {
  it('a streamed tool turn and its result, the reasoning carried in the signature', async () => {
    suite.mock.enqueue({ reasoning: 'Use the tool.', toolCalls: [{ id: 'call_oa1', name: 'Bash', arguments: '{"command":"pwd"}' }] });
    const ask = { model: 'gpt-5.5', max_tokens: 2048, tools: [BASH], messages: [{ role: 'user' as const, content: 'where am I?' }] };
    const first = await client.messages.stream(ask).finalMessage();
    expect(first.content.map((b) => b.type)).toEqual(['thinking', 'tool_use']);
    const sentFirst = upstreamBody();
    expect(sentFirst).toMatchObject({ model: 'gpt-5.5', store: false, include: ['reasoning.encrypted_content'], max_output_tokens: 2048 });
    expect(sentFirst.tools[0]).toMatchObject({ type: 'function', name: 'Bash' });

    suite.mock.enqueue({ content: '/home' });
    const second = await client.messages.create({
      ...ask,
      messages: [...ask.messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_oa1', content: '/home' }] }],
    });
    expect((second.content.at(-1) as Anthropic.TextBlock).text).toBe('/home');
    const input = upstreamBody().input;
    const reasoning = input.find((i: { type: string }) => i.type === 'reasoning');
    expect(reasoning.encrypted_content).toBe(`gAAAAABmock_${Buffer.from('Use the tool.').toString('base64url')}`);
    expect(reasoning.id).toMatch(/^rs_/);
    expect(input.filter((i: { type: string }) => i.type === 'function_call_output')).toEqual([{ type: 'function_call_output', call_id: 'call_oa1', output: '/home' }]);
  });
});

describe('Messages to an OpenAI model that does not reason', () => {
  it('thinking settings are not passed to a model that would refuse them', async () => {
    const message = await client.messages.create({ model: 'gpt-4.1-mini', max_tokens: 64, thinking: { type: 'enabled', budget_tokens: 2048 }, messages: [{ role: 'user', content: 'Reply with exactly ok' }] });
    expect((message.content.at(-1) as Anthropic.TextBlock).text).toBe('ok');
    expect(upstreamBody().reasoning).toBeUndefined();
  });

  it('a Responses client\'s own reasoning request is passed as sent (and the provider\'s answer with it)', async () => {
    const res = await fetch(`${suite.gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-4.1-mini', input: 'hi', reasoning: { effort: 'high' } }) });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('reasoning.effort');
  });
});

describe('count_tokens and models', () => {
  it('count_tokens answers an estimate, and says so', async () => {
    const res = await raw('/v1/messages/count_tokens', { model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'x'.repeat(400) }], tools: [BASH] });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aurora-token-count')).toBe('estimate');
    const { input_tokens } = await res.json();
    expect(input_tokens).toBeGreaterThan(100);
    expect(input_tokens).toBeLessThan(300);
  });

  it('the SDK counts tokens through it too', async () => {
    const counted = await client.messages.countTokens({ model: 'gpt-5.5', messages: [{ role: 'user', content: 'hello world' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });

  it('Claude Code\'s start-up probe (HEAD /api/hello) gets a plain 404, which it ignores', async () => {
    const res = await fetch(`${suite.gw.url}/api/hello`, { method: 'HEAD' });
    expect(res.status).toBe(404);
  });

  it('GET /v1/models answers an Anthropic client in the Models API shape', async () => {
    const res = await fetch(`${suite.gw.url}/v1/models?limit=1000`, { headers: { 'x-api-key': MASTER_KEY, 'anthropic-version': '2023-06-01' } });
    const list = await res.json();
    expect(list.has_more).toBe(false);
    expect(list.data.map((m: { id: string }) => m.id)).toContain('deepseek-v4-pro');
    expect(list.data[0]).toMatchObject({ type: 'model', id: expect.any(String), display_name: expect.any(String) });
  });
});

describe('the audit trail of a Messages exchange', () => {
  it('records the client\'s API, the translation, usage, and the answer with its reasoning and tool calls', async () => {
    const dir = await tempDir();
    const audited = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: suite.mock.url }), audit({ dir })] });
    try {
      suite.mock.enqueue({ reasoning: 'Call it.', toolCalls: [{ id: 'call_00_au', name: 'Bash', arguments: '{"command":"ls"}' }], usage: { prompt_tokens: 50, completion_tokens: 9 } });
      const sdk = new Anthropic({ apiKey: MASTER_KEY, baseURL: audited.url, maxRetries: 0 });
      const { response } = await sdk.messages.stream({ model: 'deepseek-v4-pro', max_tokens: 100, tools: [BASH], messages: [{ role: 'user', content: 'ls' }] }).withResponse();
      const id = response.headers.get('x-request-id')!;
      const get = async () => (await fetch(`${audited.url}/admin/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
      await vi.waitFor(async () => expect((await get()).id).toBe(id), { timeout: 5000 });
      const record = await get();
      expect(record).toMatchObject({ endpoint: 'messages', path: '/v1/messages', outcome: 'ok', stream: true, annotations: { translated: { from: 'messages', to: 'responses' } } });
      expect(record.usage).toMatchObject({ input_tokens: 50, output_tokens: 9 });
      expect(record.trail.clientResponse.reconstructed).toEqual({ text: '', reasoning: 'Call it.', toolCalls: [{ name: 'Bash', arguments: '{"command":"ls"}' }] });
      expect(record.trail.upstreamRequest.url).toMatch(/\/chat\/completions$/);
    } finally {
      await audited.close();
    }
  });
});

describe('errors in the Anthropic shape', () => {
  async function expectError(res: Response, status: number, type: string) {
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body).toMatchObject({ type: 'error', error: { type, message: expect.any(String) } });
    return body.error.message as string;
  }
  const ok = { model: 'deepseek-v4-pro', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };

  it('a bad key is authentication_error 401, as x-api-key or as Bearer', async () => {
    await expectError(await raw('/v1/messages', ok, { 'x-api-key': 'wrong-key-123' }), 401, 'authentication_error');
    await expectError(await raw('/v1/messages', ok, { 'x-api-key': '', authorization: 'Bearer wrong-key-123' }), 401, 'authentication_error');
    expect((await raw('/v1/messages', ok, { 'x-api-key': '', authorization: `Bearer ${MASTER_KEY}` })).status).toBe(200);
  });

  it('bad input is invalid_request_error 400 naming the problem, and nothing goes upstream', async () => {
    const before = suite.mock.requests.length;
    expect(await expectError(await raw('/v1/messages', { model: 'deepseek-v4-pro', messages: ok.messages }), 400, 'invalid_request_error')).toContain('max_tokens');
    expect(await expectError(await raw('/v1/messages', { ...ok, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] }), 400, 'invalid_request_error')).toContain('hologram');
    expect(await expectError(await raw('/v1/messages', { ...ok, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_x', content: 'r' }] }] }), 400, 'invalid_request_error')).toContain('tool_use');
    const unanswered = [{ role: 'user', content: 'go' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }] }, { role: 'user', content: 'next' }];
    expect(await expectError(await raw('/v1/messages', { ...ok, messages: unanswered }), 400, 'invalid_request_error')).toContain('tool_result');
    await expectError(await raw('/v1/messages', '{"model": '), 400, 'invalid_request_error');
    expect(suite.mock.requests.length).toBe(before);
  });

  it('a model nobody serves is not_found_error 404', async () => {
    const narrow = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: suite.mock.url })] });
    try {
      const res = await fetch(`${narrow.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ ...ok, model: 'claude-nonexistent' }) });
      expect(await expectError(res, 404, 'not_found_error')).toContain('claude-nonexistent');
    } finally {
      await narrow.close();
    }
  });

  it('a body over the limit is request_too_large 413', async () => {
    const big = await raw('/v1/messages', { ...ok, messages: [{ role: 'user', content: 'x'.repeat(11 * 1024 * 1024) }] });
    await expectError(big, 413, 'request_too_large');
  });

  it('an upstream 429 keeps its status and Retry-After as rate_limit_error', async () => {
    suite.mock.enqueue({ http: { status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' } } } });
    const res = await raw('/v1/messages', ok);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await expectError(res, 429, 'rate_limit_error')).toBe('Rate limit reached');
  });

  it('a stream cut mid-way ends with an error event and no message_stop; the SDK reports it', async () => {
    suite.mock.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'a b c d e f', content: 'partial' } });
    const res = await raw('/v1/messages', { ...ok, stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/event: error\ndata: \{"type":"error","error":\{"type":"api_error"/);
    expect(text).not.toContain('message_stop');
    suite.mock.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'a b c d e f', content: 'partial' } });
    await expect(client.messages.stream({ ...ok, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()).rejects.toThrow();
  });
});
