import { describe, expect, it } from 'vitest';
import type { JsonObject, SseEvent } from 'aurora';
import { type ProfileInput, mapEffort, resolveProfile } from './profile.ts';
import { toChatRequest } from './request.ts';
import { toResponsesResponse } from './response.ts';
import { createReasoningCarrier } from './state.ts';
import { createResponsesStreamTranslator } from './stream.ts';

const carrier = createReasoningCarrier('bridge-test');
const TOOLS = [{ type: 'function', name: 'ls', parameters: { type: 'object', properties: {} } }];
const request = { model: 'm', input: 'ls', tools: TOOLS, stream: true };

async function translate(profile: ProfileInput, chunks: JsonObject[]): Promise<JsonObject> {
  const events: SseEvent[] = [...chunks.map((c) => ({ data: JSON.stringify(c) })), { data: '[DONE]' }];
  const source = new ReadableStream<SseEvent>({ start: (c) => (events.forEach((e) => c.enqueue(e)), c.close()) });
  const reader = source.pipeThrough(createResponsesStreamTranslator({ request, model: 'm', carrier, profile: resolveProfile(profile) })).getReader();
  let last: JsonObject = {};
  for (let r = await reader.read(); !r.done; r = await reader.read()) last = JSON.parse(r.value.data);
  return last.response;
}

const delta = (d: JsonObject, finish: string | null = null) => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });
const callDelta = (extra: JsonObject = {}) => delta({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{}' }, ...extra }] });

/** The next request after a tool turn: the answer's output items, then the tool's result. */
function followUp(profile: ProfileInput, output: JsonObject[], effort?: string): JsonObject {
  const input = [{ role: 'user', content: 'ls' }, ...output, { type: 'function_call_output', call_id: 'call_1', output: 'a b' }];
  return toChatRequest({ model: 'm', input, tools: TOOLS, ...(effort ? { reasoning: { effort } } : {}) }, { model: 'up', carrier, profile: resolveProfile(profile) });
}

describe('effort styles', () => {
  it('maps one client effort onto each provider style', () => {
    expect(mapEffort('high', { send: 'reasoning_effort' }).fields).toEqual({ reasoning_effort: 'high' });
    expect(mapEffort('none', { send: 'reasoning_effort', map: { none: 'off' } }).fields).toEqual({ reasoning_effort: 'none' });
    expect(mapEffort('none', { send: 'reasoning_effort', map: { none: 'off' }, offValue: null })).toEqual({ thinking: false, fields: {} });
    expect(mapEffort('xhigh', { send: 'reasoning', map: { xhigh: 'high' } }).fields).toEqual({ reasoning: { effort: 'high' } });
    expect(mapEffort('none', { send: 'enable_thinking', map: { none: 'off' } }).fields).toEqual({ enable_thinking: false });
    expect(mapEffort('low', { send: 'chat_template_kwargs' }).fields).toEqual({ chat_template_kwargs: { enable_thinking: true } });
    expect(mapEffort(undefined, { send: 'thinking', whenAbsent: 'omit' }).fields).toEqual({});
    expect(mapEffort('minimal', { send: 'thinking', map: { minimal: 'off' } }).fields).toEqual({ thinking: { type: 'disabled' } });
    // A model that does not reason on request gets nothing, whatever was asked.
    expect(mapEffort('high', { send: 'reasoning_effort' }, { efforts: [] }).fields).toEqual({});
    expect(mapEffort('none', { send: 'reasoning_effort' }, { effortMap: { none: 'minimal' } }).fields).toEqual({ reasoning_effort: 'minimal' });
  });
});

describe('reasoning families across a tool turn', () => {
  it('<think> tags: split out of the answer, shown as reasoning, replayed in the profile\'s field', async () => {
    const profile: ProfileInput = { reasoningFields: ['reasoning'], thinkTags: true, replay: 'reasoning' };
    const res = await translate(profile, [delta({ content: '<th' }), delta({ content: 'ink>\nPlan: ls.\n</th' }), delta({ content: 'ink>\n\nRunning.' }), callDelta(), delta({}, 'tool_calls')]);
    expect(res.output.map((i: JsonObject) => i.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(res.output[0].summary[0].text).toBe('Plan: ls.');
    expect(res.output[1].content[0].text).toBe('Running.');
    const chat = followUp(profile, res.output);
    expect(chat.messages[1]).toEqual({ role: 'assistant', content: 'Running.', reasoning: 'Plan: ls.', tool_calls: [expect.objectContaining({ id: 'call_1' })] });
  });

  it('reasoning_details: consolidated, sealed in a tail item, back on the message they came with', async () => {
    const profile: ProfileInput = { reasoningFields: ['reasoning'], reasoningDetails: true, replay: 'reasoning_details' };
    const detail = (d: JsonObject) => ({ type: 'reasoning.text', format: 'anthropic-claude-v1', index: 0, ...d });
    const res = await translate(profile, [
      delta({ reasoning: 'Let me ', reasoning_details: [detail({ text: 'Let me ' })] }),
      delta({ reasoning: 'look.', reasoning_details: [detail({ text: 'look.' })] }),
      delta({ reasoning: '', reasoning_details: [detail({ signature: 'sig' })] }),
      callDelta(),
      delta({}, 'tool_calls'),
    ]);
    expect(res.output.map((i: JsonObject) => i.type)).toEqual(['reasoning', 'function_call', 'reasoning']);
    expect(res.output[0].summary[0].text).toBe('Let me look.');
    expect(JSON.stringify(res.output[2])).not.toContain('sig'); // sealed, not readable by the client
    const chat = followUp(profile, res.output);
    expect(chat.messages[1].reasoning_details).toEqual([detail({ text: 'Let me look.', signature: 'sig' })]);
    expect(chat.messages[2]).toEqual({ role: 'tool', tool_call_id: 'call_1', content: 'a b' });
  });

  it('thought signatures: kept per call, back on that call only', async () => {
    const profile: ProfileInput = { reasoningFields: [], thoughtSignatures: true };
    const res = await translate(profile, [callDelta({ extra_content: { google: { thought_signature: 'SIG' } } }), delta({}, 'tool_calls')]);
    expect(res.output.map((i: JsonObject) => i.type)).toEqual(['function_call', 'reasoning']);
    const chat = followUp(profile, res.output);
    expect(chat.messages[1].tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'SIG' } });
    // Non-stream answers carry the same state.
    const whole = toResponsesResponse(
      { choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'ls', arguments: '{}' }, extra_content: { google: { thought_signature: 'SIG2' } } }] } }] },
      { request, model: 'm', carrier, profile: resolveProfile(profile) },
    );
    expect(followUp(profile, whole.output).messages[1].tool_calls[0].extra_content.google.thought_signature).toBe('SIG2');
  });

  it('Mistral thinking parts: read from content arrays, sent back the same way; foreign call ids rewritten to nine characters', async () => {
    const profile: ProfileInput = { reasoningFields: [], thinkingChunks: true, replay: 'thinking-chunks', tools: { callIdPattern: /^[a-zA-Z0-9]{9}$/, callIdLength: 9 } };
    const res = await translate(profile, [delta({ content: [{ type: 'thinking', thinking: [{ type: 'text', text: 'Think.' }] }] }), delta({ content: [{ type: 'text', text: 'Go.' }] }), callDelta(), delta({}, 'tool_calls')]);
    const chat = followUp(profile, res.output);
    expect(chat.messages[1].content).toEqual([{ type: 'thinking', thinking: [{ type: 'text', text: 'Think.' }] }, { type: 'text', text: 'Go.' }]);
    const id = chat.messages[1].tool_calls[0].id;
    expect(id).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(chat.messages[2].tool_call_id).toBe(id);
  });

  it('profile limits: the output cap clamps, max_completion_tokens, required choice downgraded, parallel calls forwarded', () => {
    const profile = resolveProfile({ maxTokensField: 'max_completion_tokens', tools: { required: false, parallel: true }, models: { m: { maxOutputTokens: 100 } } });
    const chat = toChatRequest({ model: 'm', input: 'x', tools: TOOLS, tool_choice: 'required', parallel_tool_calls: false, max_output_tokens: 5000 }, { model: 'm', carrier, profile, spec: { maxOutputTokens: 100 } });
    expect(chat).toMatchObject({ max_completion_tokens: 100, tool_choice: 'auto', parallel_tool_calls: false });
    expect(chat.max_tokens).toBeUndefined();
  });
});
