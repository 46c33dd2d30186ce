import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError, type JsonObject } from 'aurora';
import { validateAnthropicMessagesRequest } from 'aurora/testing';
import { countBreakpoints } from './cache.ts';
import { sealThinking } from './carrier.ts';
import { createProfiles } from './models.ts';
import { ABORTED, toMessagesRequest } from './request.ts';
import { toResponsesResponse } from './response.ts';

const CODEX = new URL('../../test/fixtures/codex/', import.meta.url);
const codexRequest = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, CODEX), 'utf8'));
const profiles = createProfiles();

function translate(hub: JsonObject, model = 'claude-opus-4-8') {
  return toMessagesRequest(hub, { model, profile: profiles(model) });
}
const roles = (body: JsonObject) => body.messages.map((m: JsonObject) => `${m.role}:${m.content.map((b: JsonObject) => b.type).join(',')}`);
const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistant = (text: string) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
const call = (callId: string, name: string, args: string, extra: JsonObject = {}) => ({ type: 'function_call', call_id: callId, name, arguments: args, ...extra });
const output = (callId: string, out: unknown) => ({ type: 'function_call_output', call_id: callId, output: out });
const reasoning = (model: string, blocks: Parameters<typeof sealThinking>[1]) => ({ type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: sealThinking(model, blocks) });
const thought = (text: string, signature = `sig-${text}`) => ({ type: 'thinking' as const, thinking: text, signature });

const TOOLS = [
  { type: 'function', name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false },
  { type: 'custom', name: 'apply_patch', description: 'Edit files', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } },
  { type: 'namespace', name: 'mcp__files__', description: 'Files', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } } } }] },
  { type: 'web_search' },
  { type: 'local_shell' },
];

describe('request: system, turns, content', () => {
  it('instructions and developer/system messages → system blocks; consecutive same-role items → one turn', () => {
    const { body } = translate({
      model: 'x',
      instructions: 'You are Codex.',
      input: [
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Permissions: none.' }] },
        user('first'),
        user('second'),
        { type: 'message', role: 'system', content: 'Be brief.' },
        assistant('one'),
        assistant('two'),
        user('third'),
      ],
    });
    expect(body.system).toEqual([
      { type: 'text', text: 'You are Codex.' },
      { type: 'text', text: 'Permissions: none.' },
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
    ]);
    expect(body.messages.map((m: JsonObject) => [m.role, m.content.map((b: JsonObject) => b.text)])).toEqual([
      ['user', ['first', 'second']],
      ['assistant', ['one', 'two']],
      ['user', ['third']],
    ]);
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });

  it('a string input is one user turn; empty text is left out', () => {
    expect(translate({ input: 'hello' }).body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hello', cache_control: { type: 'ephemeral' } }] }]);
    const { body } = translate({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: '' }, { type: 'input_text', text: 'x' }] }] });
    expect(body.messages[0].content.map((b: JsonObject) => b.text)).toEqual(['x']);
  });

  it('images and files → image and document blocks; a file id is dropped and named', () => {
    const { body, notes } = translate({
      input: [{
        type: 'message',
        role: 'user',
        content: [
          { type: 'input_image', image_url: 'data:image/png;base64,iVBORw0KGgo=' },
          { type: 'input_image', image_url: 'https://example.test/a.png' },
          { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
          { type: 'input_file', filename: 'notes.txt', file_data: `data:text/plain;base64,${Buffer.from('plain text').toString('base64')}` },
          { type: 'input_file', file_url: 'https://example.test/b.pdf' },
          { type: 'input_file', file_id: 'file_123' },
          { type: 'input_image', file_id: 'file_456' },
        ],
      }],
    });
    const content = body.messages[0].content.map(({ cache_control: _, ...b }: JsonObject) => b);
    expect(content).toEqual([
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
      { type: 'image', source: { type: 'url', url: 'https://example.test/a.png' } },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0=' }, title: 'a.pdf' },
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain text' }, title: 'notes.txt' },
      { type: 'document', source: { type: 'url', url: 'https://example.test/b.pdf' } },
    ]);
    expect(notes.dropped).toEqual(['file given by file id', 'image given by file id']);
  });

  it('hosted items and unknown item types are dropped and named', () => {
    const { body, notes } = translate({ input: [user('hi'), { type: 'web_search_call', id: 'ws_1' }, { type: 'item_reference', id: 'x' }] });
    expect(roles(body)).toEqual(['user:text']);
    expect(notes.dropped).toEqual(['item web_search_call', 'item item_reference']);
  });

  it('rejects what needs stored state, and a missing input, with a 400', () => {
    expect(() => translate({ input: 'x', previous_response_id: 'resp_1' })).toThrow(GatewayError);
    expect(() => translate({ input: 'x', background: true })).toThrow(/background/);
    expect(() => translate({})).toThrow(/input/);
  });
});

describe('request: tool calls and results', () => {
  it('function_call → tool_use with parsed input; all parallel results in one user turn, in call order, before text', () => {
    const { body } = translate({
      tools: TOOLS,
      input: [
        user('go'),
        call('call_a', 'exec_command', '{"cmd":"ls a"}'),
        call('call_b', 'exec_command', '{"cmd":"ls b"}'),
        output('call_b', 'b.txt'),
        user('also this'),
        output('call_a', 'a.txt'),
      ],
    });
    expect(body.messages[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'tool_use', id: 'call_a', name: 'exec_command', input: { cmd: 'ls a' } },
        { type: 'tool_use', id: 'call_b', name: 'exec_command', input: { cmd: 'ls b' } },
      ],
    });
    expect(body.messages[2].content.map(({ cache_control: _, ...b }: JsonObject) => b)).toEqual([
      { type: 'tool_result', tool_use_id: 'call_a', content: 'a.txt' },
      { type: 'tool_result', tool_use_id: 'call_b', content: 'b.txt' },
      { type: 'text', text: 'also this' },
    ]);
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });

  it('odd arguments still give an object input; an empty output has no content; part outputs become blocks', () => {
    const { body } = translate({
      input: [
        user('go'),
        call('c1', 'f', ''),
        call('c2', 'f', 'not json'),
        call('c3', 'f', '[1]'),
        output('c1', ''),
        output('c2', [{ type: 'input_text', text: 'see' }, { type: 'input_image', image_url: 'data:image/png;base64,AA==' }]),
        output('c3', 'ok'),
      ],
    });
    expect(body.messages[1].content.map((b: JsonObject) => b.input)).toEqual([{}, { input: 'not json' }, { input: [1] }]);
    expect(body.messages[2].content.map(({ cache_control: _, ...b }: JsonObject) => b)).toEqual([
      { type: 'tool_result', tool_use_id: 'c1' },
      { type: 'tool_result', tool_use_id: 'c2', content: [{ type: 'text', text: 'see' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }] },
      { type: 'tool_result', tool_use_id: 'c3', content: 'ok' },
    ]);
  });

  it('orphan calls are closed with "aborted" results; orphan outputs are dropped', () => {
    const { body, notes } = translate({
      input: [
        user('go'),
        call('c1', 'f', '{}'),
        assistant('meanwhile'),
        user('next'),
        output('c_unknown', 'x'),
        call('c2', 'f', '{}'),
        output('c1', 'late'),
        call('c3', 'f', '{}'),
      ],
    });
    expect(roles(body)).toEqual(['user:text', 'assistant:tool_use,text', 'user:tool_result,text', 'assistant:tool_use', 'user:tool_result', 'assistant:tool_use', 'user:tool_result']);
    expect(body.messages[2].content[0]).toEqual({ type: 'tool_result', tool_use_id: 'c1', content: ABORTED });
    expect(body.messages[4].content[0]).toMatchObject({ tool_use_id: 'c2', content: ABORTED });
    expect(body.messages[6].content[0]).toMatchObject({ tool_use_id: 'c3', content: ABORTED });
    expect(notes.dropped).toContain('tool output without its call');
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });

  it('call ids the API would refuse are rewritten, the same way for the call and its output', () => {
    const { body } = translate({ input: [user('go'), call('call:1/x', 'f', '{}'), output('call:1/x', 'ok')] });
    expect(body.messages[1].content[0].id).toBe('call_1_x');
    expect(body.messages[2].content[0].tool_use_id).toBe('call_1_x');
  });

  it('custom tools: a one-string tool, calls and outputs mapped; MCP namespaces flattened; hosted tools dropped and named', () => {
    const { body, notes } = translate({
      tools: TOOLS,
      input: [
        user('patch it'),
        { type: 'custom_tool_call', call_id: 'c1', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
        { type: 'custom_tool_call_output', call_id: 'c1', output: 'Done' },
        call('c2', 'read', '{"path":"a"}', { namespace: 'mcp__files__' }),
        output('c2', 'content'),
      ],
    });
    expect(body.tools.map(({ cache_control: _, ...t }: JsonObject) => t)).toEqual([
      { name: 'exec_command', description: 'Run a command', input_schema: TOOLS[0]!.parameters },
      {
        name: 'apply_patch',
        description: expect.stringContaining('put the entire raw input as one string in the `input` parameter'),
        input_schema: { type: 'object', properties: { input: { type: 'string', description: 'The raw input text of the tool.' } }, required: ['input'], additionalProperties: false },
      },
      { name: 'mcp__files__read', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
    ]);
    expect(body.tools[1].description).toContain('grammar:\nstart: "*** Begin Patch"');
    expect(body.messages[1].content).toEqual([{ type: 'tool_use', id: 'c1', name: 'apply_patch', input: { input: '*** Begin Patch\n*** End Patch\n' } }]);
    expect(body.messages[3].content).toEqual([{ type: 'tool_use', id: 'c2', name: 'mcp__files__read', input: { path: 'a' } }]);
    expect(notes.dropped).toEqual(['tool web_search', 'tool local_shell']);
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });

  it('a request with no tools but tool calls in its history (Codex compaction) declares them with tool_choice none', () => {
    const hub = codexRequest('compaction-request.json');
    const { body, notes } = translate(hub);
    expect(hub.tools).toEqual([]);
    expect(body.tools.map((t: JsonObject) => t.name)).toEqual(['exec_command']);
    expect(body.tool_choice).toEqual({ type: 'none' });
    expect(notes.adjusted).toContain('tools of the history declared with tool_choice none: the request declares no tools');
    expect(validateAnthropicMessagesRequest(body)).toBeNull();
  });
});

describe('request: tool_choice', () => {
  const base = { tools: TOOLS, input: [user('go')] };
  const choice = (hub: JsonObject, model = 'claude-sonnet-4-6') => translate({ ...base, ...hub }, model);

  it('auto (left out) / none / required / a function / allowed_tools, with thinking off', () => {
    expect(choice({ tool_choice: 'auto' }).body.tool_choice).toBeUndefined();
    expect(choice({ tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
    expect(choice({ tool_choice: 'required' }).body.tool_choice).toEqual({ type: 'any' });
    expect(choice({ tool_choice: { type: 'function', name: 'exec_command' } }).body.tool_choice).toEqual({ type: 'tool', name: 'exec_command' });
    expect(choice({ tool_choice: { type: 'function', name: 'read', namespace: 'mcp__files__' } }).body.tool_choice).toEqual({ type: 'tool', name: 'mcp__files__read' });
    expect(choice({ tool_choice: { type: 'function', name: 'nope' } }).body.tool_choice).toBeUndefined();
    const allowed = choice({ tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'exec_command' }] } }).body;
    expect(allowed.tools.map((t: JsonObject) => t.name)).toEqual(['exec_command']);
    expect(allowed.tool_choice).toEqual({ type: 'any' });
  });

  it('parallel_tool_calls false → disable_parallel_tool_use', () => {
    expect(choice({ parallel_tool_calls: false }).body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(choice({ parallel_tool_calls: false, tool_choice: 'required' }).body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(choice({ parallel_tool_calls: false, tool_choice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
  });

  it('a forced tool becomes auto with thinking on, and on models that refuse forcing; annotated', () => {
    const thinking = choice({ tool_choice: 'required', reasoning: { effort: 'high' } });
    expect(thinking.body.tool_choice).toBeUndefined();
    expect(thinking.notes.adjusted).toContain('tool_choice required sent as auto: thinking is on');
    const refusing = choice({ tool_choice: { type: 'function', name: 'exec_command' } }, 'claude-sonnet-5-5');
    expect(refusing.body.tool_choice).toBeUndefined();
    expect(refusing.notes.adjusted[0]).toContain('refuses a forced tool');
  });

  it('no tools to declare: neither tools nor tool_choice', () => {
    const { body } = translate({ tools: [{ type: 'web_search' }], tool_choice: 'required', input: [user('go')] });
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });
});

describe('request: fields', () => {
  it('max_output_tokens → max_tokens, else the model default', () => {
    expect(translate({ input: 'x', max_output_tokens: 900 }).body.max_tokens).toBe(900);
    expect(translate({ input: 'x' }, 'claude-opus-5-5').body.max_tokens).toBe(128000);
    expect(translate({ input: 'x' }, 'claude-sonnet-4-5').body.max_tokens).toBe(32000);
  });

  it('effort → thinking / output_config.effort; summaries → display summarized', () => {
    expect(translate({ input: 'x', reasoning: { effort: 'xhigh', summary: 'auto' } }, 'claude-opus-5-5').body).toMatchObject({ thinking: { type: 'adaptive', display: 'summarized' }, output_config: { effort: 'xhigh' } });
    expect(translate({ input: 'x', reasoning: { effort: 'high' } }, 'claude-sonnet-4-5').body).toMatchObject({ thinking: { type: 'enabled', budget_tokens: 20480 } });
    const off = translate({ input: 'x', reasoning: { effort: 'none' } }, 'claude-opus-4-8').body;
    expect(off).not.toHaveProperty('thinking');
    expect(off).not.toHaveProperty('output_config');
  });

  it('sampling: kept with thinking off on models that take it, at most one of the two; dropped otherwise', () => {
    expect(translate({ input: 'x', temperature: 0.2, top_p: 0.5 }, 'claude-sonnet-4-5').body).toMatchObject({ temperature: 0.2 });
    expect(translate({ input: 'x', temperature: 0.2, top_p: 0.5 }, 'claude-sonnet-4-5').body).not.toHaveProperty('top_p');
    expect(translate({ input: 'x', temperature: 1.7 }, 'claude-sonnet-4-5').body.temperature).toBe(1);
    expect(translate({ input: 'x', top_p: 0.5 }, 'claude-sonnet-4-5').body.top_p).toBe(0.5);
    const thinking = translate({ input: 'x', temperature: 0.2, top_p: 0.97, reasoning: { effort: 'low' } }, 'claude-sonnet-4-5');
    expect(thinking.body).toMatchObject({ top_p: 0.97 });
    expect(thinking.body).not.toHaveProperty('temperature');
    const newest = translate({ input: 'x', temperature: 0.2, top_p: 0.9 }, 'claude-opus-4-8');
    expect(newest.body).not.toHaveProperty('temperature');
    expect(newest.body).not.toHaveProperty('top_p');
    expect(newest.notes.adjusted[0]).toContain('takes no sampling parameters');
  });

  it('text.format json_schema → output_config.format; a system instruction where structured outputs do not exist', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'], additionalProperties: false };
    const modern = translate({ input: 'x', text: { format: { type: 'json_schema', name: 'out', schema, strict: true } }, reasoning: { effort: 'low' } }, 'claude-opus-4-8').body;
    expect(modern.output_config).toEqual({ effort: 'low', format: { type: 'json_schema', schema } });
    const legacy = translate({ instructions: 'Sys.', input: 'x', text: { format: { type: 'json_schema', name: 'out', schema } } }, 'claude-3-7-sonnet-latest');
    expect(legacy.body).not.toHaveProperty('output_config');
    expect(legacy.body.system.at(-1).text).toContain(`matches this JSON schema (out):\n${JSON.stringify(schema)}`);
    expect(translate({ input: 'x', text: { format: { type: 'json_object' } } }).body.system[0].text).toContain('single JSON object');
  });

  it('a user id goes as metadata.user_id; stream as asked; hub-only fields are left out', () => {
    const { body } = translate({ input: 'x', safety_identifier: 'u-1', stream: true, store: false, include: ['reasoning.encrypted_content'], prompt_cache_key: 'k', truncation: 'auto' });
    expect(body.metadata).toEqual({ user_id: 'u-1' });
    expect(body.stream).toBe(true);
    for (const field of ['store', 'include', 'prompt_cache_key', 'truncation', 'reasoning', 'text', 'input']) expect(body).not.toHaveProperty(field);
  });

  it('every Codex fixture request translates to a body the emulated Messages API accepts', () => {
    for (const name of ['simple-request.json', 'simple-request-gpt-5.5.json', 'tool-followup-request.json', 'custom-tool-followup-request.json', 'reasoning-replay-request.json', 'reasoning-replay-next-turn-request.json', 'compaction-request.json']) {
      for (const model of ['claude-sonnet-4-5', 'claude-opus-4-8', 'claude-opus-5']) {
        const { body } = translate({ ...codexRequest(name), reasoning: { effort: 'high', summary: 'auto' } }, model);
        expect(validateAnthropicMessagesRequest(body), `${name} → ${model}`).toBeNull();
        expect(countBreakpoints(body)).toBeLessThanOrEqual(4);
      }
    }
  });
});

describe('request: thinking replay', () => {
  const MODEL = 'claude-opus-4-8';

  it('reasoning items → their exact thinking blocks, in place, at the start of the assistant turn', () => {
    const { body } = translate({
      tools: TOOLS,
      reasoning: { effort: 'high' },
      input: [
        user('go'),
        reasoning(MODEL, [thought('plan'), { type: 'redacted_thinking', data: 'opaque' }]),
        assistant('Running it.'),
        call('c1', 'exec_command', '{"cmd":"ls"}'),
        reasoning(MODEL, [thought('interleaved')]),
        call('c2', 'exec_command', '{"cmd":"pwd"}'),
        output('c1', 'a'),
        output('c2', '/'),
      ],
    }, MODEL);
    expect(body.messages[1].content).toEqual([
      { type: 'thinking', thinking: 'plan', signature: 'sig-plan' },
      { type: 'redacted_thinking', data: 'opaque' },
      { type: 'text', text: 'Running it.' },
      { type: 'tool_use', id: 'c1', name: 'exec_command', input: { cmd: 'ls' } },
      { type: 'thinking', thinking: 'interleaved', signature: 'sig-interleaved' },
      { type: 'tool_use', id: 'c2', name: 'exec_command', input: { cmd: 'pwd' } },
    ]);
    expect(body.thinking).toEqual({ type: 'adaptive' });
  });

  it('the carrier round trip: an answer translated to the hub and sent back reproduces the thinking blocks and signatures', () => {
    const answer = {
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [
        { type: 'thinking', thinking: 'I will list files.', signature: 'EqQBCkYIBxgCKkD+real/sig==' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3p' },
        { type: 'thinking', thinking: '', signature: 'sig-omitted-display' },
        { type: 'tool_use', id: 'toolu_01', name: 'exec_command', input: { cmd: 'ls' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 1, output_tokens: 1 },
    };
    const hub = { tools: TOOLS, input: [user('go')], reasoning: { effort: 'high', summary: 'auto' } };
    const response = toResponsesResponse(answer, { request: hub, model: 'alias', upstreamModel: MODEL });
    // What Codex sends back: every output item, reasoning without `content`, then the tool output.
    const replayed = response.output.map((item: JsonObject) => (item.type === 'reasoning' ? { ...item, content: undefined } : item));
    const { body } = translate({ ...hub, input: [user('go'), ...replayed, output('toolu_01', 'a.txt')] }, MODEL);
    expect(body.messages[1].content).toEqual(answer.content);
    expect(body.thinking).toMatchObject({ type: 'adaptive' });
  });

  it('foreign reasoning and another model\'s thinking are dropped and named; reasoning text alone is not replayed', () => {
    const { body, notes } = translate({
      input: [
        user('go'),
        { type: 'reasoning', summary: [{ type: 'summary_text', text: 's' }], encrypted_content: 'gAAAAABopenai' },
        { type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: 'raw' }], encrypted_content: null },
        reasoning('claude-sonnet-4-5', [thought('other model')]),
        assistant('answer'),
        user('next'),
      ],
    }, MODEL);
    expect(roles(body)).toEqual(['user:text', 'assistant:text', 'user:text']);
    expect(notes.dropped).toEqual(['reasoning without Claude thinking blocks', 'thinking of claude-sonnet-4-5']);
  });

  it('thinking is never last in an assistant turn: an interrupted turn\'s reasoning is dropped', () => {
    const { body } = translate({ input: [user('go'), assistant('partial'), reasoning(MODEL, [thought('cut')]), user('again')] }, MODEL);
    expect(body.messages[1].content).toEqual([{ type: 'text', text: 'partial' }]);
    const { body: only } = translate({ input: [user('go'), reasoning(MODEL, [thought('cut')]), user('again')] }, MODEL);
    expect(roles(only)).toEqual(['user:text,text']);
  });

  it('a tool turn in progress without its thinking: thinking off where the model allows it (effort capped at high)', () => {
    const hub = { tools: TOOLS, input: [user('go'), call('c1', 'exec_command', '{}'), output('c1', 'ok')] };
    const budget = translate({ ...hub, reasoning: { effort: 'high' } }, 'claude-sonnet-4-5');
    expect(budget.body.thinking).toEqual({ type: 'disabled' });
    expect(budget.notes.adjusted).toContain('thinking off: the tool turn in progress has no Claude thinking to replay');
    const opus5 = translate({ ...hub, reasoning: { effort: 'max' } }, 'claude-opus-5');
    expect(opus5.body).toMatchObject({ thinking: { type: 'disabled' }, output_config: { effort: 'high' } });
    const omit = translate({ ...hub, reasoning: { effort: 'high' } }, 'claude-opus-4-8');
    expect(omit.body).not.toHaveProperty('thinking');
    for (const r of [budget, opus5, omit]) expect(validateAnthropicMessagesRequest(r.body)).toBeNull();
    // Always thinking: nothing to turn off; said so.
    const always = translate({ ...hub, reasoning: { effort: 'high' } }, 'claude-opus-5-5');
    expect(always.body.thinking).toEqual({ type: 'adaptive' });
    expect(always.notes.adjusted[0]).toContain('cannot turn thinking off');
    // A finished tool turn (a new user message since) does not matter.
    const finished = translate({ ...hub, input: [...hub.input, assistant('done'), user('next')], reasoning: { effort: 'high' } }, 'claude-sonnet-4-5');
    expect(finished.body.thinking).toMatchObject({ type: 'enabled' });
  });

  it('with thinking off, a final assistant message keeps no thinking', () => {
    const { body } = translate({ input: [user('go'), reasoning(MODEL, [thought('t')]), assistant('prefill')], reasoning: { effort: 'none' } }, MODEL);
    expect(body.messages[1].content).toEqual([{ type: 'text', text: 'prefill' }]);
  });
});
