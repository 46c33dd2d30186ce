import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { effortOf, messagesToHub } from './messages-request.ts';
import { signatureOf } from './signature.ts';

const FIXTURES = new URL('../../test/fixtures/claude-code/', import.meta.url);
const fixture = (name: string) => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

const base = { model: 'm', max_tokens: 100 };

describe('Messages request → hub', () => {
  it('system blocks become instructions; text, images and documents become parts; stateless replay is asked for', () => {
    const { body } = messagesToHub({
      ...base,
      system: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }],
      messages: [{
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'spec.pdf' },
        ],
      }],
    });
    expect(body).toMatchObject({ model: 'm', instructions: 'one\n\ntwo', max_output_tokens: 100, store: false, include: ['reasoning.encrypted_content'], stream: false });
    expect(body.input).toEqual([{
      type: 'message',
      role: 'user',
      content: [
        { type: 'input_text', text: 'look' },
        { type: 'input_image', image_url: 'data:image/png;base64,AAAA', detail: 'auto' },
        { type: 'input_image', image_url: 'https://example.com/a.png', detail: 'auto' },
        { type: 'input_file', filename: 'spec.pdf', file_data: 'data:application/pdf;base64,JVBE' },
      ],
    }]);
  });

  it('assistant thinking, text and tool_use become reasoning, message and function_call items, in order', () => {
    const signature = signatureOf('rs_1', 'gAAAAABblob');
    const { body } = messagesToHub({
      ...base,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'plan', signature }, { type: 'text', text: 'Running.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt' }] }, { type: 'text', text: 'and?' }] },
      ],
    });
    expect(body.input.slice(1)).toEqual([
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'plan' }], encrypted_content: 'gAAAAABblob' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running.' }] },
      { type: 'function_call', call_id: 'toolu_1', name: 'Bash', arguments: '{"command":"ls"}' },
      { type: 'function_call_output', call_id: 'toolu_1', output: 'a.txt' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'and?' }] },
    ]);
  });

  it('a signature this gateway did not hand out (Anthropic\'s own) is not passed on as a provider blob', () => {
    const { body } = messagesToHub({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 'EqQBCkYIAxgCKkA…' }, { type: 'text', text: 'y' }] }, { role: 'user', content: 'z' }] });
    expect(body.input[1]).toEqual({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'hm' }], encrypted_content: null });
  });

  it('an error result says so; a role "system" message stays in place as a developer message', () => {
    const { body } = messagesToHub({
      ...base,
      messages: [
        { role: 'user', content: 'go' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'Bash', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'not found', is_error: true }] },
        { role: 'system', content: 'env: linux' },
      ],
    });
    expect(body.input.at(-2)).toEqual({ type: 'function_call_output', call_id: 't', output: 'Error: not found' });
    expect(body.input.at(-1)).toEqual({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'env: linux' }] });
  });

  it('tools and tool_choice map one to one; server tools are dropped and named', () => {
    const { body, dropped } = messagesToHub({
      ...base,
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ name: 'Read', description: 'read', input_schema: { type: 'object', properties: { p: { type: 'string' } } } }, { type: 'web_search_20250305', name: 'web_search' }],
      tool_choice: { type: 'tool', name: 'Read', disable_parallel_tool_use: true },
      stop_sequences: ['END'],
    });
    expect(body.tools).toEqual([{ type: 'function', name: 'Read', description: 'read', parameters: { type: 'object', properties: { p: { type: 'string' } } } }]);
    expect(body.tool_choice).toEqual({ type: 'function', name: 'Read' });
    expect(body.parallel_tool_calls).toBe(false);
    expect(dropped).toEqual(expect.arrayContaining(['tool web_search', 'stop_sequences']));
  });

  it('thinking settings become a hub effort', () => {
    expect(effortOf({ thinking: { type: 'disabled' } })).toBe('none');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 1024 } })).toBe('low');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 10_000 } })).toBe('medium');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 31_999 } })).toBe('high');
    expect(effortOf({ thinking: { type: 'enabled', budget_tokens: 64_000 } })).toBe('xhigh');
    expect(effortOf({ thinking: { type: 'adaptive' }, output_config: { effort: 'max' } })).toBe('xhigh');
    expect(effortOf({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' } })).toBe('low');
    expect(effortOf({})).toBeUndefined();
  });

  it('Claude Code\'s recorded requests translate without loss of a message (tool loop, thinking replay, system role)', () => {
    for (const name of ['plain.request.json', 'tool_use.turn2.request.json', 'thinking_tool_use.turn2.request.json', 'model_deepseek_v4_pro.request.json', 'thinking_resume.turn2.request.json']) {
      const request = fixture(name);
      const { body } = messagesToHub(request);
      expect(body.input.length, name).toBeGreaterThanOrEqual(request.messages.length);
      expect(body.tools.length, name).toBe(request.tools.length);
      expect(body.prompt_cache_key, name).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('refuses what the Messages API refuses, naming the field', () => {
    const refuse = (body: object) => {
      try {
        messagesToHub(body);
      } catch (err) {
        expect(GatewayError.is(err)).toBe(true);
        return (err as GatewayError).message;
      }
      throw new Error('accepted');
    };
    expect(refuse({ model: 'm', messages: [] })).toContain('max_tokens');
    expect(refuse({ ...base, messages: [] })).toContain('at least one message');
    expect(refuse({ ...base, messages: [{ role: 'tool', content: 'x' }] })).toContain('role');
    expect(refuse({ ...base, messages: [{ role: 'user', content: [{ type: 'hologram' }] }] })).toContain('hologram');
    expect(refuse({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'nope', content: 'x' }] }] })).toContain('tool_use');
    expect(refuse({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'tool_use', id: 'a', name: 'B', input: {} }] }, { role: 'user', content: 'no result' }] })).toContain('tool_result');
    expect(refuse({ ...base, messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: [{ type: 'image', source: { type: 'url', url: 'u' } }] }] })).toContain('image');
  });
});
