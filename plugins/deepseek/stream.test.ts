import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSseText, type JsonObject, type SseEvent } from 'aurora';
import { checkResponsesStream, translateEvents } from 'aurora/testing';
import { echoedFields } from './fixtures/echo.ts';
import { createReasoningCarrier } from './state.ts';
import { createResponsesStreamTranslator } from './stream.ts';

const CODEX = new URL('../../test/fixtures/codex/', import.meta.url);
const LOCAL = new URL('./fixtures/', import.meta.url);
const codexRequest = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, CODEX), 'utf8'));
const codexEventTypes = (name: string) => parseSseText(readFileSync(new URL(name, CODEX), 'utf8')).map((e) => e.event);
const upstream = (name: string): SseEvent[] => parseSseText(readFileSync(new URL(name, LOCAL), 'utf8'));

const carrier = createReasoningCarrier('stream-test');
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n';

async function translate(events: SseEvent[], request: JsonObject = codexRequest('simple-request.json')): Promise<JsonObject[]> {
  return translateEvents(events, createResponsesStreamTranslator({ request, model: request.model, carrier }));
}

const types = (events: JsonObject[]) => events.map((e) => e.type);

/** The invariants of translation.md §3, checked on every translated stream. */
function expectInvariants(events: JsonObject[]) {
  const final = checkResponsesStream(events);
  expect(final.id).toMatch(/^resp_/);
  return final;
}

describe('stream translator', () => {
  it('text only: same event types as Codex\'s simple-response.sse', async () => {
    const events = await translate(upstream('text-only.sse'));
    const final = expectInvariants(events);
    expect(types(events)).toEqual(codexEventTypes('simple-response.sse'));
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta)).toEqual(['o', 'k']);
    expect(events.find((e) => e.type === 'response.output_text.delta')).toMatchObject({ output_index: 0, content_index: 0, logprobs: [] });
    expect(final.status).toBe('completed');
    expect(final.model).toBe('deepseek-v4-pro');
    expect(final.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [], logprobs: [] }] },
    ]);
    expect(final.usage).toEqual({ input_tokens: 1234, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 1236 });
  });

  it('reasoning + text: reasoning item as summary events, sealed reasoning in encrypted_content', async () => {
    const events = await translate(upstream('reasoning-text.sse'));
    const final = expectInvariants(events);
    expect(types(events)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added',
      'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    for (const e of events.filter((x) => x.type.startsWith('response.reasoning_summary'))) expect(e.summary_index).toBe(0);
    const text = 'The user wants a one-word answer.';
    const [reasoning, message] = final.output;
    expect(reasoning).toEqual({
      id: expect.stringMatching(/^rs_/),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text }],
      content: [{ type: 'reasoning_text', text }],
      encrypted_content: expect.stringMatching(/^aurora\.r1\./),
    });
    expect(carrier.open(reasoning.encrypted_content)).toBe(text);
    expect(message.content[0].text).toBe('ok');
    expect(final.usage.output_tokens_details.reasoning_tokens).toBe(10);
  });

  it('reasoning + function call: same event types as Codex\'s reasoning-function-call-response.sse', async () => {
    const events = await translate(upstream('reasoning-function-call.sse'));
    const final = expectInvariants(events);
    expect(types(events)).toEqual(codexEventTypes('reasoning-function-call-response.sse'));
    const call = final.output[1];
    expect(call).toEqual({ id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'exec_command', call_id: 'call_00_Ec1', arguments: '{"cmd":"echo hi"}' });
    expect(events.find((e) => e.type === 'response.function_call_arguments.done')).toMatchObject({ item_id: call.id, output_index: 1, name: 'exec_command', arguments: '{"cmd":"echo hi"}' });
    expect(final.usage).toEqual({ input_tokens: 1234, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 42, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 1276 });
  });

  it('reasoning + two tool calls interleaved by index keep their own output_index and arguments', async () => {
    const events = await translate(upstream('reasoning-two-tools.sse'));
    const final = expectInvariants(events);
    const [reasoning, ls, cat] = final.output;
    expect(reasoning.type).toBe('reasoning');
    expect(ls).toMatchObject({ type: 'function_call', call_id: 'call_00_Ls1', arguments: '{"cmd":"ls"}', status: 'completed' });
    expect(cat).toMatchObject({ type: 'function_call', call_id: 'call_01_Rd2', arguments: '{"cmd":"cat README.md"}', status: 'completed' });
    const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => [e.output_index, e.delta]);
    expect(deltas).toEqual([[1, '{"cmd":'], [2, '{"cmd":"cat'], [1, '"ls"}'], [2, ' README.md"}']]);
    // Both calls are done (Codex runs them from output_item.done) before the terminal event.
    const doneIdx = events.map((e, i) => (e.type === 'response.output_item.done' ? i : -1)).filter((i) => i >= 0);
    expect(doneIdx.every((i) => i < events.length - 1)).toBe(true);
    expect(final.status).toBe('completed');
    expect(final.usage.input_tokens_details.cached_tokens).toBe(1920);
    expect(final.usage.output_tokens_details.reasoning_tokens).toBe(30);
  });

  it('custom apply_patch: custom_tool_call with the unwrapped raw patch', async () => {
    const events = await translate(upstream('custom-apply-patch.sse'), codexRequest('simple-request-gpt-5.5.json'));
    const final = expectInvariants(events);
    const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'custom_tool_call')!;
    expect(added.item).toEqual({ id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'in_progress', name: 'apply_patch', call_id: 'call_00_Ap1', input: '' });
    const afterAdded = types(events.slice(events.indexOf(added)));
    expect(afterAdded).toEqual(['response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed']);
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.delta')!.delta).toBe(PATCH);
    expect(events.find((e) => e.type === 'response.custom_tool_call_input.done')!.input).toBe(PATCH);
    expect(final.output[1]).toEqual({ id: added.item.id, type: 'custom_tool_call', status: 'completed', name: 'apply_patch', call_id: 'call_00_Ap1', input: PATCH });
    expect(events.some((e) => e.type === 'response.function_call_arguments.delta')).toBe(false);
  });

  it('finish_reason length → response.incomplete with max_output_tokens, cut item incomplete', async () => {
    const events = await translate(upstream('length.sse'));
    const final = expectInvariants(events);
    expect(events[events.length - 1]!.type).toBe('response.incomplete');
    expect(final.status).toBe('incomplete');
    expect(final.incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(final.output[1]).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'Once upon a' }] });
    expect(final.usage.output_tokens).toBe(16);
  });

  it('EOF without finish_reason → response.failed, open items closed as incomplete', async () => {
    const events = await translate(upstream('eof-no-finish.sse'));
    const final = expectInvariants(events);
    expect(events[events.length - 1]!.type).toBe('response.failed');
    expect(final.error).toEqual({ code: 'server_error', message: 'upstream stream ended before finish_reason' });
    expect(final.output.map((i: JsonObject) => [i.type, i.status])).toEqual([['reasoning', undefined], ['message', 'completed'], ['function_call', 'incomplete']]);
    expect(final.usage).toBeNull();
  });

  it('[DONE] without finish_reason also fails; finish_reason without [DONE] still completes', async () => {
    const noFinish = upstream('reasoning-text.sse').filter((e) => !e.data.includes('"finish_reason":"stop"'));
    const failed = await translate(noFinish);
    expectInvariants(failed);
    expect(failed[failed.length - 1]!.type).toBe('response.failed');
    const noDone = upstream('reasoning-text.sse').filter((e) => e.data !== '[DONE]');
    const completed = await translate(noDone);
    expect(expectInvariants(completed).status).toBe('completed');
  });

  it('in-band DeepSeek error → response.failed with a code Codex understands', async () => {
    const events = await translate(upstream('inband-error.sse'));
    const final = expectInvariants(events);
    expect(events[events.length - 1]!.type).toBe('response.failed');
    expect(final.error).toEqual({ code: 'rate_limit_exceeded', message: 'Rate limit reached for requests' });
    expect(final.output).toEqual([expect.objectContaining({ type: 'message', status: 'incomplete', content: [expect.objectContaining({ text: 'Hel' })] })]);
  });

  it('the core\'s injected `event: error` (socket failure) → response.failed, nothing after it', async () => {
    const head = upstream('reasoning-function-call.sse').slice(0, 4);
    const injected: SseEvent = {
      event: 'error',
      data: JSON.stringify({ error: { message: 'Provider deepseek stream failed: socket hang up', type: 'upstream_error', param: null, code: 'server_error' } }),
    };
    const events = await translate([...head, injected, ...upstream('reasoning-function-call.sse').slice(4)]);
    const final = expectInvariants(events);
    expect(final.status).toBe('failed');
    expect(final.error).toEqual({ code: 'server_error', message: 'Provider deepseek stream failed: socket hang up' });
    const call = final.output.find((i: JsonObject) => i.type === 'function_call');
    expect(call.status).toBe('incomplete');
  });

  it('a non-JSON data line fails the stream rather than losing a chunk silently', async () => {
    const events = await translate([...upstream('text-only.sse').slice(0, 2), { data: '{"id":"x","choices":[{"ind' }, ...upstream('text-only.sse').slice(2)]);
    const final = expectInvariants(events);
    expect(final.status).toBe('failed');
  });

  it('a cut-off custom tool call is not handed out with a partial patch', async () => {
    const events = await translate(upstream('custom-apply-patch.sse').slice(0, 5), codexRequest('simple-request-gpt-5.5.json'));
    const final = expectInvariants(events);
    expect(final.status).toBe('failed');
    expect(final.output[1]).toMatchObject({ type: 'custom_tool_call', status: 'incomplete', input: '' });
  });

  it('a custom tool call cut by finish_reason length gets no input', async () => {
    const events = upstream('custom-apply-patch.sse').map((e) => ({ ...e, data: e.data.replace('"finish_reason":"tool_calls"', '"finish_reason":"length"') }));
    const final = expectInvariants(await translate(events, codexRequest('simple-request-gpt-5.5.json')));
    expect(final.status).toBe('incomplete');
    expect(final.output[1]).toMatchObject({ type: 'custom_tool_call', status: 'incomplete', input: '' });
  });

  it('namespaced MCP tools come back as function_call with their namespace', async () => {
    const request = {
      model: 'deepseek-v4-pro',
      tools: [{ type: 'namespace', name: 'mcp__docs__', tools: [{ type: 'function', name: 'search', parameters: { type: 'object', properties: {} } }] }],
    };
    const chunk = (delta: JsonObject, finish: string | null = null) => ({ data: JSON.stringify({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] }) });
    const events = await translate(
      [
        chunk({ tool_calls: [{ index: 0, id: 'call_9', type: 'function', function: { name: 'mcp__docs__search', arguments: '{}' } }] }),
        chunk({}, 'tool_calls'),
        { data: '[DONE]' },
      ],
      request,
    );
    const final = expectInvariants(events);
    expect(final.output[0]).toEqual({ id: expect.any(String), type: 'function_call', status: 'completed', name: 'search', call_id: 'call_9', arguments: '{}', namespace: 'mcp__docs__' });
  });

  it('echoes the request fields on every lifecycle event', async () => {
    const request = codexRequest('simple-request-gpt-5.5.json');
    const events = await translate(upstream('text-only.sse'), request);
    for (const e of events.filter((x) => x.response)) {
      expect(e.response).toMatchObject({ ...echoedFields(request), prompt_cache_key: request.prompt_cache_key });
    }
  });
});

describe('delta events written as text', () => {
  it('are exactly the JSON of their object form, whatever the delta holds', async () => {
    const tricky = ['plain', 'quote " and \\ backslash', 'line\nbreak\ttab', 'unicode é 中文 🚀', '\u0000\u001f control', '</script>', ''];
    const chunk = (delta: JsonObject) => ({ data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: null }] }) });
    const events: SseEvent[] = [
      ...tricky.map((t) => chunk({ reasoning_content: t })),
      ...tricky.map((t) => chunk({ content: t })),
      { data: JSON.stringify({ id: 'c', object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) },
      { data: '[DONE]' },
    ];
    const source = new ReadableStream<SseEvent>({
      start(controller) {
        for (const e of events) controller.enqueue(e);
        controller.close();
      },
    });
    const reader = source.pipeThrough(createResponsesStreamTranslator({ request: { model: 'm', input: 'x', stream: true }, model: 'm', carrier })).getReader();
    const deltas: SseEvent[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) if (r.value.event?.endsWith('_text.delta')) deltas.push(r.value);
    expect(deltas.map((d) => JSON.parse(d.data).delta)).toEqual([...tricky, ...tricky].filter((t) => t !== ''));
    for (const d of deltas) {
      const parsed = JSON.parse(d.data);
      const objectForm = d.event === 'response.output_text.delta'
        ? { type: d.event, item_id: parsed.item_id, output_index: parsed.output_index, content_index: 0, delta: parsed.delta, logprobs: [], sequence_number: parsed.sequence_number }
        : { type: d.event, item_id: parsed.item_id, output_index: parsed.output_index, summary_index: 0, delta: parsed.delta, sequence_number: parsed.sequence_number };
      expect(d.data).toBe(JSON.stringify(objectForm));
    }
  });
});
