import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { toChatRequest } from './request.ts';
import { mapUsage, toResponsesResponse } from './response.ts';
import { echoedFields } from './fixtures/echo.ts';
import { createReasoningCarrier } from './state.ts';
import { unwrapCustomInput } from './tools.ts';

const FIXTURES = new URL('../../test/fixtures/codex/', import.meta.url);
const fixture = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const carrier = createReasoningCarrier('response-test');
const PATCH = '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n';

function completion(message: JsonObject, finish: string | null = 'stop', usage: JsonObject | undefined = undefined): JsonObject {
  return {
    id: 'a1b2c3',
    object: 'chat.completion',
    created: 1795655400,
    model: 'deepseek-v4-pro',
    choices: [{ index: 0, finish_reason: finish, message: { role: 'assistant', ...message } }],
    usage: usage ?? { prompt_tokens: 1200, completion_tokens: 300, total_tokens: 1500, prompt_tokens_details: { cached_tokens: 1024 }, prompt_cache_hit_tokens: 1024, prompt_cache_miss_tokens: 176, completion_tokens_details: { reasoning_tokens: 180 } },
    system_fingerprint: 'fp_x',
  };
}

describe('toResponsesResponse', () => {
  const request = fixture('simple-request-gpt-5.5.json');
  const ctx = { request, model: 'gpt-5.5', carrier };

  it('text answer: one message item, usage mapped, request echoed', () => {
    const res = toResponsesResponse(completion({ content: 'ok', reasoning_content: null }), ctx);
    expect(res.id).toMatch(/^resp_[0-9a-f]{32}$/);
    expect(res.id).not.toContain('a1b2c3');
    expect(res).toMatchObject({
      ...echoedFields(request),
      created_at: 1795655400,
      status: 'completed',
      error: null,
      incomplete_details: null,
      metadata: {},
      previous_response_id: null,
    });
    expect(res.output).toEqual([
      { id: expect.stringMatching(/^msg_/), type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: 'ok', annotations: [], logprobs: [] }] },
    ]);
    expect(res.usage).toEqual({ input_tokens: 1200, input_tokens_details: { cached_tokens: 1024 }, output_tokens: 300, output_tokens_details: { reasoning_tokens: 180 }, total_tokens: 1500 });
  });

  it('reasoning + text + calls: reasoning first (summary, content, sealed), then message, then one item per call', () => {
    const chat = completion(
      {
        content: 'Let me look.',
        reasoning_content: 'I should list files, then patch.',
        tool_calls: [
          { id: 'call_00_a', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } },
          { id: 'call_01_b', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: PATCH }) } },
        ],
      },
      'tool_calls',
    );
    const res = toResponsesResponse(chat, ctx);
    expect(res.status).toBe('completed');
    expect(res.output.map((i: JsonObject) => i.type)).toEqual(['reasoning', 'message', 'function_call', 'custom_tool_call']);
    const [reasoning, , fn, custom] = res.output;
    expect(reasoning.summary).toEqual([{ type: 'summary_text', text: 'I should list files, then patch.' }]);
    expect(reasoning.content).toEqual([{ type: 'reasoning_text', text: 'I should list files, then patch.' }]);
    expect(carrier.open(reasoning.encrypted_content)).toBe('I should list files, then patch.');
    expect(fn).toEqual({ id: expect.stringMatching(/^fc_/), type: 'function_call', status: 'completed', name: 'exec_command', call_id: 'call_00_a', arguments: '{"cmd":"ls"}' });
    expect(custom).toEqual({ id: expect.stringMatching(/^ctc_/), type: 'custom_tool_call', status: 'completed', name: 'apply_patch', call_id: 'call_01_b', input: PATCH });
  });

  it('round trip: the response, replayed by Codex (content dropped), gives DeepSeek its reasoning back', () => {
    const chat = completion({ content: '', reasoning_content: 'Need to run ls.', tool_calls: [{ id: 'call_00_a', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }, 'tool_calls');
    const res = toResponsesResponse(chat, ctx);
    // What Codex sends back: reasoning without `content`, the call, and its output.
    const replay = res.output.map((item: JsonObject) => (item.type === 'reasoning' ? { ...item, content: null } : item));
    const next = toChatRequest(
      { ...request, input: [...request.input, ...replay, { type: 'function_call_output', call_id: 'call_00_a', output: 'a.txt' }] },
      { model: 'deepseek-v4-pro', carrier },
    );
    const assistant = next.messages.find((m: JsonObject) => m.role === 'assistant');
    expect(assistant).toMatchObject({ content: '', reasoning_content: 'Need to run ls.', tool_calls: [{ id: 'call_00_a' }] });
    expect(next.messages[next.messages.length - 1]).toEqual({ role: 'tool', tool_call_id: 'call_00_a', content: 'a.txt' });
  });

  it('namespaced tool calls get their namespace back', () => {
    const nsRequest = { ...fixture('simple-request.json') };
    const res = toResponsesResponse(
      completion({ content: null, tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'multi_agent_v1__spawn_agent', arguments: '{}' } }] }, 'tool_calls'),
      { request: nsRequest, model: 'deepseek-v4-pro', carrier },
    );
    expect(res.output).toEqual([{ id: expect.any(String), type: 'function_call', status: 'completed', name: 'spawn_agent', call_id: 'call_x', arguments: '{}', namespace: 'multi_agent_v1' }]);
  });

  it.each([
    ['length', 'incomplete', { reason: 'max_output_tokens' }, null],
    ['content_filter', 'incomplete', { reason: 'content_filter' }, null],
    ['insufficient_system_resource', 'failed', null, 'server_error'],
    ['stop', 'completed', null, null],
  ])('finish_reason %s → status %s', (finish, status, details, code) => {
    const res = toResponsesResponse(completion({ content: 'partial' }, finish), ctx);
    expect(res.status).toBe(status);
    expect(res.incomplete_details).toEqual(details);
    expect(res.error?.code ?? null).toBe(code);
    expect(res.output[0].status).toBe(status === 'completed' ? 'completed' : 'incomplete');
  });

  it('no choices → failed', () => {
    const res = toResponsesResponse({ id: 'x', object: 'chat.completion', choices: [] }, ctx);
    expect(res.status).toBe('failed');
    expect(res.error.code).toBe('server_error');
    expect(res.usage).toBeNull();
  });
});

describe('mapUsage', () => {
  it('prefers prompt_cache_hit_tokens, always emits both details objects', () => {
    expect(mapUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_cache_hit_tokens: 7, prompt_tokens_details: { cached_tokens: 6 } })).toEqual({
      input_tokens: 10,
      input_tokens_details: { cached_tokens: 7 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 15,
    });
    expect(mapUsage({ prompt_tokens: 3, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 2 } })).toEqual({
      input_tokens: 3,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 4,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 7,
    });
    expect(mapUsage(null)).toBeNull();
  });
});

describe('unwrapCustomInput', () => {
  it.each([
    ['{"input": …}', JSON.stringify({ input: PATCH })],
    ['{"patch": …}', JSON.stringify({ patch: PATCH })],
    ['a bare JSON string', JSON.stringify(PATCH)],
    ['raw text', PATCH],
    ['{"command":["apply_patch", …]}', JSON.stringify({ command: ['apply_patch', PATCH] })],
    ['a shell heredoc', JSON.stringify({ command: ['bash', '-lc', `apply_patch <<'EOF'\n${PATCH}EOF`] })],
    ['a fenced patch in input', JSON.stringify({ input: `\`\`\`diff\n${PATCH}\`\`\`` })],
    ['a fenced raw patch', `\`\`\`\n${PATCH}\`\`\`\n`],
  ])('accepts %s', (_label, args) => {
    expect(unwrapCustomInput(args)).toBe(PATCH);
  });

  it('empty and odd shapes never throw', () => {
    expect(unwrapCustomInput('')).toBe('');
    expect(unwrapCustomInput('{}')).toBe('');
    expect(unwrapCustomInput('{"input":')).toBe('{"input":');
    expect(unwrapCustomInput('{"a":1,"b":2}')).toBe('{"a":1,"b":2}');
    expect(unwrapCustomInput('{"code":"print(1)"}')).toBe('print(1)');
  });
});
