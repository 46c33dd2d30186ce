import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { validateAnthropicMessagesRequest } from 'aurora/testing';
import { countBreakpoints, MAX_BREAKPOINTS, placeCacheBreakpoints } from './cache.ts';
import { createProfiles } from './models.ts';
import { toMessagesRequest } from './request.ts';

const profiles = createProfiles();
const translate = (hub: JsonObject, model = 'claude-opus-4-8') => toMessagesRequest(hub, { model, profile: profiles(model) }).body;
const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
const TOOLS = [
  { type: 'function', name: 'a', parameters: { type: 'object', properties: {} } },
  { type: 'function', name: 'b', parameters: { type: 'object', properties: {} } },
];

/** Where the marks are: `tools.i`, `system.i`, `messages.i.content.j`. */
function marks(body: JsonObject): string[] {
  const out: string[] = [];
  (body.tools ?? []).forEach((t: JsonObject, i: number) => t.cache_control && out.push(`tools.${i}`));
  (body.system ?? []).forEach((b: JsonObject, i: number) => b.cache_control && out.push(`system.${i}`));
  body.messages.forEach((m: JsonObject, i: number) => (Array.isArray(m.content) ? m.content : []).forEach((b: JsonObject, j: number) => b.cache_control && out.push(`messages.${i}.content.${j}`)));
  return out;
}

describe('cache breakpoints', () => {
  it('first turn: last tool, last system block, the user turn', () => {
    const body = translate({ instructions: 'sys', tools: TOOLS, input: [{ type: 'message', role: 'developer', content: 'dev' }, user('hi'), user('there')] });
    expect(marks(body)).toEqual(['tools.1', 'system.1', 'messages.0.content.1']);
    expect(body.tools[1].cache_control).toEqual({ type: 'ephemeral' });
  });

  it('later turns: the user turn that ended the previous request, and the new one', () => {
    const body = translate({
      instructions: 'sys',
      tools: TOOLS,
      input: [user('one'), assistant('a1'), user('two'), { type: 'function_call', call_id: 'c1', name: 'a', arguments: '{}' }, { type: 'function_call', call_id: 'c2', name: 'b', arguments: '{}' },
        { type: 'function_call_output', call_id: 'c1', output: 'x' }, { type: 'function_call_output', call_id: 'c2', output: 'y' }],
    });
    // messages: user(one), assistant(a1), user(two), assistant(calls), user(results)
    expect(marks(body)).toEqual(['tools.1', 'system.0', 'messages.2.content.0', 'messages.4.content.1']);
    expect(countBreakpoints(body)).toBe(MAX_BREAKPOINTS);
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });

  it('the mark of one request is where the next one reads: each new request marks the previous request\'s last turn', () => {
    const first = translate({ tools: TOOLS, input: [user('one')] });
    const second = translate({ tools: TOOLS, input: [user('one'), assistant('a1'), user('two')] });
    const third = translate({ tools: TOOLS, input: [user('one'), assistant('a1'), user('two'), assistant('a2'), user('three')] });
    expect(marks(first)).toEqual(['tools.1', 'messages.0.content.0']);
    expect(marks(second)).toEqual(['tools.1', 'messages.0.content.0', 'messages.2.content.0']);
    expect(marks(third)).toEqual(['tools.1', 'messages.2.content.0', 'messages.4.content.0']);
  });

  it('never more than 4, never on thinking, whatever the body', () => {
    const body: JsonObject = {
      tools: [{ name: 't' }],
      system: [{ type: 'text', text: 's' }],
      messages: [
        { role: 'user', content: 'string content' },
        { role: 'assistant', content: [{ type: 'text', text: 'x' }, { type: 'thinking', thinking: '', signature: 's' }] },
        { role: 'user', content: [{ type: 'text', text: 'y' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'z' }] },
        { role: 'user', content: [{ type: 'text', text: 'w' }] },
      ],
    };
    placeCacheBreakpoints(body);
    expect(countBreakpoints(body)).toBe(4);
    expect(body.messages[1].content[1]).not.toHaveProperty('cache_control');
    expect(marks(body)).toEqual(['tools.0', 'system.0', 'messages.2.content.0', 'messages.4.content.0']);
    const bare: JsonObject = { messages: [{ role: 'user', content: 'only' }] };
    placeCacheBreakpoints(bare);
    expect(bare.messages[0].content).toEqual([{ type: 'text', text: 'only', cache_control: { type: 'ephemeral' } }]);
  });

  it('a long Codex conversation stays within the limit', () => {
    const input: JsonObject[] = [];
    for (let i = 0; i < 30; i++) {
      input.push(user(`q${i}`), { type: 'function_call', call_id: `c${i}`, name: 'a', arguments: '{}' }, { type: 'function_call_output', call_id: `c${i}`, output: 'ok' }, assistant(`a${i}`));
    }
    input.push(user('last'));
    const body = translate({ instructions: 'sys', tools: TOOLS, input });
    expect(countBreakpoints(body)).toBe(4);
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });
});
