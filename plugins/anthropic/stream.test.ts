import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSseText, type JsonObject, type SseEvent } from 'aurora';
import { checkResponsesStream, translateEvents } from 'aurora/testing';
import { openThinking } from './carrier.ts';
import { createProfiles } from './models.ts';
import { toMessagesRequest } from './request.ts';
import { STREAM_ENDED_EARLY } from './response.ts';
import { createResponsesStreamTranslator } from './stream.ts';

const CLAUDE_CODE = new URL('../../test/fixtures/claude-code/', import.meta.url);
const CODEX = new URL('../../test/fixtures/codex/', import.meta.url);
const LOCAL = new URL('./fixtures/', import.meta.url);
const claudeCode = (name: string): SseEvent[] => parseSseText(readFileSync(new URL(name, CLAUDE_CODE), 'utf8'));
const local = (name: string): SseEvent[] => parseSseText(readFileSync(new URL(name, LOCAL), 'utf8'));
const codexEventTypes = (name: string) => parseSseText(readFileSync(new URL(name, CODEX), 'utf8')).map((e) => e.event);

const TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
  { type: 'function', name: 'Bash', parameters: { type: 'object', properties: {} } },
  { type: 'custom', name: 'apply_patch', description: 'Edit files' },
  { type: 'namespace', name: 'mcp__files__', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: {} } }] },
];
const REQUEST: JsonObject = { model: 'opus', tools: TOOLS, input: 'hi', reasoning: { effort: 'high', summary: 'auto' }, stream: true };
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n';

async function translate(events: SseEvent[], request: JsonObject = REQUEST): Promise<JsonObject[]> {
  return translateEvents(events, createResponsesStreamTranslator({ request, model: String(request.model), upstreamModel: 'claude-opus-5-5' }));
}

const types = (events: JsonObject[]) => events.map((e) => e.type);

/** The invariants every translated stream keeps (the deepseek translator's, checked the same way). */
function expectInvariants(events: JsonObject[]): JsonObject {
  const final = checkResponsesStream(events);
  expect(events[0]!.response.model).toBe('opus');
  return final;
}

describe('stream: Claude Code\'s recorded Messages streams', () => {
  it('text (plain.response.sse): the event types of Codex\'s simple-response.sse', async () => {
    const events = await translate(claudeCode('plain.response.sse'));
    const final = expectInvariants(events);
    expect(types(events).filter((t, i, all) => t !== all[i - 1])).toEqual(codexEventTypes('simple-response.sse').filter((t, i, all) => t !== all[i - 1]));
    expect(final).toMatchObject({ status: 'completed', output: [{ type: 'message', status: 'completed', content: [{ type: 'output_text', text: 'ok' }] }] });
    expect(final.usage).toEqual({ input_tokens: 12, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 17 });
  });

  it('thinking + tool_use (thinking_tool_use.turn1.response.sse): the event types of Codex\'s reasoning-function-call stream', async () => {
    const events = await translate(claudeCode('thinking_tool_use.turn1.response.sse'));
    const final = expectInvariants(events);
    const dedup = (list: Array<string | undefined>) => list.filter((t, i, all) => t !== all[i - 1]);
    expect(dedup(types(events))).toEqual(dedup(codexEventTypes('reasoning-function-call-response.sse')));
    const [reasoning, call] = final.output;
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'The user wants a short answer. STUB_THINKING' }] });
    expect(openThinking(reasoning.encrypted_content)).toEqual({
      model: 'claude-opus-5-5',
      blocks: [{ type: 'thinking', thinking: 'The user wants a short answer. STUB_THINKING', signature: 'stub-sig-5/bAEXdujbfNMwtUF0/Xb30C' }],
    });
    expect(call).toEqual({ id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'Bash', call_id: 'toolu_stub000006', arguments: '{"command":"echo hi","description":"Print hi"}' });
  });

  it('tool_use alone (tool_use.turn1.response.sse)', async () => {
    const events = await translate(claudeCode('tool_use.turn1.response.sse'));
    const final = expectInvariants(events);
    expect(events.filter((e) => e.type === 'response.function_call_arguments.delta').map((e) => e.delta)).toEqual(['{"command"', ':"echo hi","description":"Print hi"}']);
    expect(final.output).toHaveLength(1);
  });
});

describe('stream: constructed streams', () => {
  it('thinking, text, a tool call; usage with cache reads and writes', async () => {
    const events = await translate(local('thinking-tool-use.sse'));
    const final = expectInvariants(events);
    expect(types(events)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.reasoning_summary_part.added', 'response.reasoning_summary_text.delta', 'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done', 'response.reasoning_summary_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.delta',
      'response.function_call_arguments.done', 'response.output_item.done',
      'response.completed',
    ]);
    for (const e of events.filter((x) => x.type.startsWith('response.reasoning_summary'))) expect(e.summary_index).toBe(0);
    expect(events.find((e) => e.type === 'response.output_text.delta')).toMatchObject({ output_index: 1, content_index: 0, logprobs: [] });
    expect(openThinking(final.output[0].encrypted_content)!.blocks).toEqual([{ type: 'thinking', thinking: 'I should list the files first.', signature: 'EqQBCkYIBxgCKkDsig-thinking-1' }]);
    expect(final.output[2]).toMatchObject({ type: 'function_call', name: 'exec_command', call_id: 'toolu_01', arguments: '{"cmd":"ls"}' });
    expect(final.usage).toEqual({ input_tokens: 32120, input_tokens_details: { cached_tokens: 30000 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: 32207 });
  });

  it('parallel calls: a function, a namespaced MCP tool, the custom apply_patch; done events in order once the stop_reason came', async () => {
    const events = await translate(local('parallel-tools.sse'));
    const final = expectInvariants(events);
    expect(final.output).toEqual([
      { id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'exec_command', call_id: 'toolu_a', arguments: '{"cmd":"ls a"}' },
      { id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'read', namespace: 'mcp__files__', call_id: 'toolu_b', arguments: '{"path":"b.txt"}' },
      { id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'completed', name: 'apply_patch', call_id: 'toolu_c', input: PATCH },
    ]);
    // A custom tool's JSON is never streamed as such: its raw input comes once, whole.
    expect(events.filter((e) => e.type === 'response.custom_tool_call_input.delta').map((e) => e.delta)).toEqual([PATCH]);
    const firstDone = events.findIndex((e) => e.type === 'response.output_item.done');
    expect(events.slice(firstDone).filter((e) => e.type === 'response.output_item.added')).toEqual([]);
    expect(events.filter((e) => e.type === 'response.output_item.done').map((e) => e.output_index)).toEqual([0, 1, 2]);
  });

  it('max_tokens: response.incomplete, and a cut-off apply_patch is never handed out', async () => {
    const events = await translate(local('max-tokens.sse'));
    const final = expectInvariants(events);
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, error: null });
    expect(final.output[1]).toMatchObject({ type: 'custom_tool_call', status: 'incomplete', input: '' });
    expect(events.some((e) => e.type === 'response.custom_tool_call_input.delta')).toBe(false);
  });

  it('an error event mid-stream: the open item closed incomplete, then response.failed with a code Codex retries', async () => {
    const events = await translate(local('error-mid-stream.sse'));
    const final = expectInvariants(events);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'Overloaded' } });
    expect(final.output[0]).toMatchObject({ type: 'message', status: 'incomplete', content: [{ text: 'Partial' }] });
  });

  it('a rate limit error mid-stream → rate_limit_exceeded; an invalid request → invalid_prompt (not retried)', async () => {
    const head = local('error-mid-stream.sse').slice(0, 2);
    const rate = await translate([...head, { event: 'error', data: '{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}' }]);
    expect(expectInvariants(rate).error).toEqual({ code: 'rate_limit_exceeded', message: 'slow down' });
    const invalid = await translate([...head, { event: 'error', data: '{"type":"error","error":{"type":"invalid_request_error","message":"bad"}}' }]);
    expect(expectInvariants(invalid).error.code).toBe('invalid_prompt');
  });

  it('the core\'s error event when the connection failed (OpenAI-shaped) → response.failed', async () => {
    const events = await translate([...local('cut.sse'), { event: 'error', data: '{"error":{"message":"upstream anthropic failed: ECONNRESET","type":"upstream_error","code":"server_error"}}' }]);
    expect(expectInvariants(events)).toMatchObject({ status: 'failed', error: { code: 'server_error', message: expect.stringContaining('ECONNRESET') } });
  });

  it('a cut stream (no message_delta, no message_stop) → response.failed, the open reasoning closed without a carrier', async () => {
    const events = await translate(local('cut.sse'));
    const final = expectInvariants(events);
    expect(final).toMatchObject({ status: 'failed', error: { code: 'server_error', message: STREAM_ENDED_EARLY } });
    expect(final.output).toEqual([{ id: expect.stringMatching(/^rs_/), type: 'reasoning', summary: [{ type: 'summary_text', text: 'Hmm' }], encrypted_content: null }]);
  });

  it('a stream with its stop_reason but no message_stop is complete', async () => {
    const events = await translate(claudeCode('plain.response.sse').filter((e) => e.event !== 'message_stop'));
    expect(expectInvariants(events).status).toBe('completed');
  });

  it('an event that is not JSON fails the stream rather than lose content', async () => {
    const events = await translate([...local('cut.sse').slice(0, 3), { event: 'content_block_delta', data: '{not json' }]);
    expect(expectInvariants(events).status).toBe('failed');
  });

  it('redacted thinking and display-omitted thinking: reasoning items with no summary, their blocks carried; refusal → incomplete (content_filter)', async () => {
    const events = await translate(local('redacted-refusal.sse'));
    const final = expectInvariants(events);
    expect(final).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    const [redacted, omitted, text] = final.output;
    expect(redacted).toMatchObject({ type: 'reasoning', summary: [] });
    expect(openThinking(redacted.encrypted_content)!.blocks).toEqual([{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3redacted' }]);
    expect(openThinking(omitted.encrypted_content)!.blocks).toEqual([{ type: 'thinking', thinking: '', signature: 'sig-omitted-display' }]);
    expect(events.some((e) => e.type === 'response.reasoning_summary_part.added')).toBe(false);
    expect(text.content[0].text).toBe("I can't help with that.");
  });

  it('the stream\'s reasoning items, sent back, replay the exact blocks (the carrier round trip through a stream)', async () => {
    const final = expectInvariants(await translate(local('thinking-tool-use.sse')));
    const replay = final.output.map((item: JsonObject) => (item.type === 'reasoning' ? { ...item, content: undefined } : item));
    const model = 'claude-opus-5-5';
    const { body } = toMessagesRequest({ ...REQUEST, input: [{ type: 'message', role: 'user', content: 'hi' }, ...replay, { type: 'function_call_output', call_id: 'toolu_01', output: 'a\nb' }] }, { model, profile: createProfiles()(model) });
    expect(body.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'I should list the files first.', signature: 'EqQBCkYIBxgCKkDsig-thinking-1' },
      { type: 'text', text: 'Listing them.' },
      { type: 'tool_use', id: 'toolu_01', name: 'exec_command', input: { cmd: 'ls' } },
    ]);
  });
});
