import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { openThinking } from './carrier.ts';
import { mapUsage, streamError, terminalState, toResponsesResponse, type ResponsesContext } from './response.ts';

const TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} } },
  { type: 'custom', name: 'apply_patch' },
  { type: 'namespace', name: 'mcp__files__', tools: [{ type: 'function', name: 'read' }] },
];
const ctx: ResponsesContext = { request: { model: 'opus', tools: TOOLS, instructions: 'sys', reasoning: { effort: 'high', summary: 'auto' } }, model: 'opus', upstreamModel: 'claude-opus-5-5' };
const message = (content: JsonObject[], stop_reason: string | null = 'end_turn', usage: JsonObject = { input_tokens: 10, output_tokens: 5 }) =>
  ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-opus-5-5', content, stop_reason, stop_sequence: null, usage });

describe('non-stream answer', () => {
  it('thinking, redacted thinking, text and tool calls → reasoning, message and call items, in order', () => {
    const patch = '*** Begin Patch\n*** End Patch\n';
    const out = toResponsesResponse(message([
      { type: 'thinking', thinking: 'Plan.', signature: 'sig-1' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Doing it.' },
      { type: 'tool_use', id: 'toolu_1', name: 'exec_command', input: { cmd: 'ls' } },
      { type: 'tool_use', id: 'toolu_2', name: 'apply_patch', input: { input: patch } },
      { type: 'tool_use', id: 'toolu_3', name: 'mcp__files__read', input: {} },
      { type: 'server_tool_use', id: 'srv', name: 'web_search', input: {} },
    ], 'tool_use'), ctx);
    expect(out).toMatchObject({ object: 'response', status: 'completed', model: 'opus', instructions: 'sys', error: null, incomplete_details: null, reasoning: { effort: 'high', summary: 'auto' } });
    expect(out.id).toMatch(/^resp_/);
    const [r1, r2, msg, fc, ctc, ns] = out.output;
    expect(r1).toEqual({ id: expect.stringMatching(/^rs_/), type: 'reasoning', summary: [{ type: 'summary_text', text: 'Plan.' }], content: [{ type: 'reasoning_text', text: 'Plan.' }], encrypted_content: expect.stringMatching(/^aurora\.anth1\./) });
    expect(openThinking(r1.encrypted_content)).toEqual({ model: 'claude-opus-5-5', blocks: [{ type: 'thinking', thinking: 'Plan.', signature: 'sig-1' }] });
    expect(r2).toEqual({ id: expect.stringMatching(/^rs_/), type: 'reasoning', summary: [], encrypted_content: expect.any(String) });
    expect(openThinking(r2.encrypted_content)!.blocks).toEqual([{ type: 'redacted_thinking', data: 'opaque' }]);
    expect(msg).toMatchObject({ type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'Doing it.', annotations: [] }] });
    expect(fc).toEqual({ id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'exec_command', call_id: 'toolu_1', arguments: '{"cmd":"ls"}' });
    expect(ctc).toEqual({ id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'completed', name: 'apply_patch', call_id: 'toolu_2', input: patch });
    expect(ns).toMatchObject({ type: 'function_call', name: 'read', namespace: 'mcp__files__', arguments: '{}' });
    expect(out.output).toHaveLength(6);
  });

  it('stop reasons: max_tokens and context window → incomplete (max_output_tokens), refusal → incomplete (content_filter), the last item incomplete', () => {
    const cut = toResponsesResponse(message([{ type: 'text', text: 'long' }], 'max_tokens'), ctx);
    expect(cut).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
    expect(cut.output[0].status).toBe('incomplete');
    expect(toResponsesResponse(message([], 'model_context_window_exceeded'), ctx).incomplete_details).toEqual({ reason: 'max_output_tokens' });
    expect(toResponsesResponse(message([{ type: 'text', text: 'no' }], 'refusal'), ctx)).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'content_filter' } });
    for (const reason of ['end_turn', 'tool_use', 'stop_sequence', 'pause_turn']) expect(terminalState(reason).status).toBe('completed');
    expect(terminalState(undefined)).toMatchObject({ status: 'failed', error: { code: 'server_error' } });
  });

  it('an error body → failed', () => {
    const out = toResponsesResponse({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, ctx);
    expect(out).toMatchObject({ status: 'failed', error: { code: 'server_error', message: 'Overloaded' } });
  });
});

describe('usage', () => {
  it('input_tokens counts cache reads and writes; cached_tokens the reads; totals add up', () => {
    expect(mapUsage({ input_tokens: 120, cache_creation_input_tokens: 2000, cache_read_input_tokens: 30000, output_tokens: 87, output_tokens_details: { thinking_tokens: 40 } })).toEqual({
      input_tokens: 32120,
      input_tokens_details: { cached_tokens: 30000 },
      output_tokens: 87,
      output_tokens_details: { reasoning_tokens: 40 },
      total_tokens: 32207,
    });
    expect(mapUsage({ input_tokens: 3, output_tokens: 2, cache_read_input_tokens: null })).toEqual({
      input_tokens: 3, input_tokens_details: { cached_tokens: 0 }, output_tokens: 2, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 5,
    });
    expect(mapUsage(undefined)).toBeNull();
  });
});

describe('errors inside a stream', () => {
  it.each([
    [{ type: 'overloaded_error', message: 'Overloaded' }, 'server_error'],
    [{ type: 'api_error', message: 'Internal' }, 'server_error'],
    [{ type: 'timeout_error', message: 'slow' }, 'server_error'],
    [{ type: 'rate_limit_error', message: 'Too many' }, 'rate_limit_exceeded'],
    [{ type: 'billing_error', message: 'Pay' }, 'insufficient_quota'],
    [{ type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' }, 'context_length_exceeded'],
    [{ type: 'invalid_request_error', message: 'messages.1: bad' }, 'invalid_prompt'],
    [{ message: 'upstream_stream', code: 'server_error' }, 'server_error'],
  ])('%j → %s', (error, code) => {
    expect(streamError(error).code).toBe(code);
  });

  it('an authentication error says it is the gateway\'s credentials', () => {
    expect(streamError({ type: 'authentication_error', message: 'invalid x-api-key' })).toEqual({ code: 'invalid_prompt', message: expect.stringContaining("gateway's credentials") });
  });
});
