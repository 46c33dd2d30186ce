import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GatewayError, type JsonObject } from 'aurora';
import { toChatRequest } from './request.ts';
import { createReasoningCarrier } from './state.ts';
import { buildToolIndex, qualifyName } from './tools.ts';

const FIXTURES = new URL('../../test/fixtures/codex/', import.meta.url);
const fixture = (name: string): JsonObject => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

const carrier = createReasoningCarrier('request-test');
const translate = (body: JsonObject, model = 'deepseek-v4-pro') => toChatRequest(body, { model, carrier });
const roles = (chat: JsonObject) => chat.messages.map((m: JsonObject) => m.role);
const toolNames = (chat: JsonObject) => (chat.tools ?? []).map((t: JsonObject) => t.function.name);

const CODEX_FUNCTIONS = ['exec_command', 'write_stdin', 'request_user_input', 'view_image', 'get_goal', 'create_goal', 'update_goal'];
const MULTI_AGENT = ['close_agent', 'resume_agent', 'send_input', 'spawn_agent', 'wait_agent'].map((n) => `multi_agent_v1__${n}`);
const DROPPED_FIELDS = ['store', 'include', 'prompt_cache_key', 'client_metadata', 'metadata', 'parallel_tool_calls', 'reasoning', 'text', 'input', 'instructions', 'service_tier'];

/** Invariants every translated Codex request must satisfy for DeepSeek to accept it. */
function expectValidForDeepSeek(chat: JsonObject) {
  const msgs: JsonObject[] = chat.messages;
  expect(msgs.every((m) => ['system', 'user', 'assistant', 'tool'].includes(m.role))).toBe(true);
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (m.role === 'assistant') expect(typeof m.content).toBe('string');
    if (m.role === 'assistant' && chat.thinking.type === 'enabled') expect(typeof m.reasoning_content).toBe('string');
    if (m.role !== 'assistant' || !m.tool_calls) continue;
    if (chat.thinking.type === 'enabled') expect(typeof m.reasoning_content).toBe('string');
    const ids = m.tool_calls.map((c: JsonObject) => c.id);
    const following = msgs.slice(i + 1, i + 1 + ids.length);
    expect(following.map((t) => t.role)).toEqual(ids.map(() => 'tool'));
    expect(new Set(following.map((t) => t.tool_call_id))).toEqual(new Set(ids));
  }
  for (let i = 0; i < msgs.length; i++) {
    if (msgs[i]!.role !== 'tool') continue;
    const prev = msgs[i - 1]!;
    expect(prev.role === 'tool' || (prev.role === 'assistant' && Array.isArray(prev.tool_calls))).toBe(true);
  }
  if (chat.tool_choice !== undefined) expect(chat.tools?.length).toBeGreaterThan(0);
  for (const field of DROPPED_FIELDS) expect(chat).not.toHaveProperty(field);
}

describe('golden: Codex fixture requests', () => {
  it('simple-request: developer → one system message, functions + flattened namespace, no web_search', () => {
    const body = fixture('simple-request.json');
    const chat = translate(body);
    expectValidForDeepSeek(chat);
    expect(chat.model).toBe('deepseek-v4-pro');
    expect(roles(chat)).toEqual(['system', 'user', 'user']);
    const dev = body.input.filter((i: JsonObject) => i.role === 'developer').flatMap((i: JsonObject) => i.content.map((p: JsonObject) => p.text));
    for (const text of dev) expect(chat.messages[0].content).toContain(text);
    expect(chat.messages[2].content).toBe('Reply with exactly ok and no punctuation.');
    expect(toolNames(chat)).toEqual([...CODEX_FUNCTIONS.slice(0, 4), ...MULTI_AGENT, ...CODEX_FUNCTIONS.slice(4)]);
    expect(chat.tools.every((t: JsonObject) => t.type === 'function' && t.function.parameters && !('strict' in t.function))).toBe(true);
    const exec = chat.tools.find((t: JsonObject) => t.function.name === 'exec_command');
    expect(exec.function.parameters).toEqual(body.tools[0].parameters);
    expect(chat.tool_choice).toBe('auto');
    expect(chat.thinking).toEqual({ type: 'enabled' });
    expect(chat).not.toHaveProperty('reasoning_effort');
    expect(chat.stream).toBe(true);
    expect(chat.stream_options).toEqual({ include_usage: true });
  });

  it('simple-request-gpt-4.1-mini translates the same way', () => {
    const chat = translate(fixture('simple-request-gpt-4.1-mini.json'), 'deepseek-v4-flash');
    expectValidForDeepSeek(chat);
    expect(chat.model).toBe('deepseek-v4-flash');
    expect(roles(chat)).toEqual(['system', 'user', 'user']);
    expect(toolNames(chat)).toHaveLength(12);
  });

  it('simple-request-gpt-5.5: custom apply_patch wrapped, tool_search and web_search dropped, effort medium → high', () => {
    const body = fixture('simple-request-gpt-5.5.json');
    const chat = translate(body);
    expectValidForDeepSeek(chat);
    expect(toolNames(chat)).toEqual(['exec_command', 'write_stdin', 'request_user_input', 'apply_patch', 'view_image', 'get_goal', 'create_goal', 'update_goal']);
    const patch = chat.tools.find((t: JsonObject) => t.function.name === 'apply_patch').function;
    expect(patch.parameters).toEqual({
      type: 'object',
      properties: { input: { type: 'string', description: expect.any(String) } },
      required: ['input'],
      additionalProperties: false,
    });
    expect(patch.description).toContain(body.tools[3].description);
    expect(patch.description).toContain('`input`');
    expect(patch.description).toContain(body.tools[3].format.definition);
    expect(chat.thinking).toEqual({ type: 'enabled' });
    expect(chat.reasoning_effort).toBe('high');
  });

  it('tool-followup: function_call → assistant tool_calls, output → tool message right after', () => {
    const body = fixture('tool-followup-request.json');
    const chat = translate(body);
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    const [assistant, tool] = chat.messages.slice(3);
    expect(assistant).toEqual({
      role: 'assistant',
      content: '',
      reasoning_content: '',
      tool_calls: [{ id: 'call_b36b084b644c81fd3058f91f', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"echo hi"}' } }],
    });
    expect(tool).toEqual({ role: 'tool', tool_call_id: 'call_b36b084b644c81fd3058f91f', content: body.input[5].output });
  });

  it('custom-tool-followup: custom_tool_call replayed as the wrapper function call', () => {
    const body = fixture('custom-tool-followup-request.json');
    const chat = translate(body);
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    const call = chat.messages[3].tool_calls[0];
    expect(call.id).toBe('call_e1f33cd80af6ceca28beebe5');
    expect(call.function.name).toBe('apply_patch');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: '*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch\n' });
    expect(chat.messages[4].tool_call_id).toBe('call_e1f33cd80af6ceca28beebe5');
    expect(chat.messages[4].content).toContain('Success. Updated the following files');
  });

  it('reasoning-replay with a sealed token: reasoning comes back as reasoning_content', () => {
    const body = fixture('reasoning-replay-request.json');
    const text = 'The user wants me to run echo hi first.';
    const sealed = structuredClone(body);
    const item = sealed.input.find((i: JsonObject) => i.type === 'reasoning');
    item.encrypted_content = carrier.seal(text, { model: 'deepseek-v4-pro' });
    const chat = translate(sealed);
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['system', 'user', 'user', 'assistant', 'tool']);
    expect(chat.messages[3].reasoning_content).toBe(text);
    expect(chat.messages[3].tool_calls[0].id).toBe('call_ade4b153041c2c27d24ccbb1');
    expect(chat.messages[4].tool_call_id).toBe('call_ade4b153041c2c27d24ccbb1');
  });

  it('reasoning-replay with the foreign (OpenAI) encrypted_content: reasoning_content is ""', () => {
    const chat = translate(fixture('reasoning-replay-request.json'));
    expectValidForDeepSeek(chat);
    expect(chat.messages[3].reasoning_content).toBe('');
    // The summary is never used as reasoning: it is not what the model thought.
    expect(JSON.stringify(chat.messages)).not.toContain('Planning reply');
  });

  it('reasoning-replay-next-turn: two assistant turns, each with its own reasoning', () => {
    const body = fixture('reasoning-replay-next-turn-request.json');
    const sealed = structuredClone(body);
    const reasoning = sealed.input.filter((i: JsonObject) => i.type === 'reasoning');
    expect(reasoning).toHaveLength(2);
    reasoning[0].encrypted_content = carrier.seal('first thought', { model: 'deepseek-v4-pro' });
    reasoning[1].encrypted_content = carrier.seal('second thought', { model: 'deepseek-v4-pro' });
    const chat = translate(sealed);
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['system', 'user', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(chat.messages[3].reasoning_content).toBe('first thought');
    expect(chat.messages[5]).toEqual({ role: 'assistant', content: 'ok', reasoning_content: 'second thought' });
    expect(chat.messages[6]).toEqual({ role: 'user', content: 'Say ok again.' });

    const foreign = translate(body);
    expectValidForDeepSeek(foreign);
    expect(foreign.messages[3].reasoning_content).toBe('');
    expect(foreign.messages[5]).toEqual({ role: 'assistant', content: 'ok', reasoning_content: '' });
  });

  it('compaction-request: tools [] → neither tools nor tool_choice', () => {
    const chat = translate(fixture('compaction-request.json'));
    expectValidForDeepSeek(chat);
    expect(chat).not.toHaveProperty('tools');
    expect(chat).not.toHaveProperty('tool_choice');
    expect(roles(chat)).toEqual(['system', 'user', 'user', 'assistant', 'tool', 'user']);
    expect(chat.messages[5].content).toMatch(/^You are performing a CONTEXT CHECKPOINT COMPACTION/);
  });
});

describe('top-level fields', () => {
  const base = { model: 'deepseek-v4-pro', input: 'hi' };

  it('instructions → first system message, string input → one user message', () => {
    const chat = translate({ ...base, instructions: 'Be brief.' });
    expect(chat.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }]);
  });

  it.each([
    [undefined, { type: 'enabled' }, undefined],
    [null, { type: 'enabled' }, undefined],
    ['none', { type: 'disabled' }, undefined],
    ['minimal', { type: 'disabled' }, undefined],
    ['low', { type: 'enabled' }, 'high'],
    ['medium', { type: 'enabled' }, 'high'],
    ['high', { type: 'enabled' }, 'high'],
    ['xhigh', { type: 'enabled' }, 'max'],
    ['max', { type: 'enabled' }, 'max'],
    ['bogus', { type: 'enabled' }, 'high'],
  ])('reasoning.effort %s → thinking %j, reasoning_effort %s', (effort, thinking, reasoningEffort) => {
    const chat = translate({ ...base, reasoning: effort === undefined ? { summary: 'auto' } : { effort, summary: 'auto' } });
    expect(chat.thinking).toEqual(thinking);
    if (reasoningEffort) expect(chat.reasoning_effort).toBe(reasoningEffort);
    else expect(chat).not.toHaveProperty('reasoning_effort');
  });

  it('forwards max_output_tokens, temperature, top_p; drops the rest', () => {
    const chat = translate({
      ...base, max_output_tokens: 2048, temperature: 0.2, top_p: 0.9, stream: false, store: true, include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'k', metadata: { a: 'b' }, parallel_tool_calls: false, service_tier: 'flex', truncation: 'auto', user: 'u', safety_identifier: 's',
      text: { verbosity: 'low' }, reasoning: { effort: 'high', summary: 'detailed' }, prompt_cache_retention: '24h', top_logprobs: 2,
    });
    expect(chat).toEqual({
      model: 'deepseek-v4-pro',
      messages: [{ role: 'user', content: 'hi' }],
      thinking: { type: 'enabled' },
      reasoning_effort: 'high',
      max_tokens: 2048,
      temperature: 0.2,
      top_p: 0.9,
      stream: false,
    });
  });

  it('text.format json_schema → json_object + schema in the system prompt', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const chat = translate({ ...base, instructions: 'Be brief.', text: { format: { type: 'json_schema', name: 'answer', schema, strict: true } } });
    expect(chat.response_format).toEqual({ type: 'json_object' });
    expect(chat.messages[0].role).toBe('system');
    expect(chat.messages[0].content).toMatch(/^Be brief\./);
    expect(chat.messages[0].content).toContain(JSON.stringify(schema));
    expect(chat.messages).toHaveLength(2);
  });

  it('text.format json_object → json_object (and the word JSON in the prompt); text → nothing', () => {
    const chat = translate({ ...base, text: { format: { type: 'json_object' } } });
    expect(chat.response_format).toEqual({ type: 'json_object' });
    expect(chat.messages[0]).toEqual({ role: 'system', content: 'Respond with a JSON object.' });
    const plain = translate({ ...base, text: { format: { type: 'text' } } });
    expect(plain).not.toHaveProperty('response_format');
    expect(plain.messages).toHaveLength(1);
  });

  it('previous_response_id → GatewayError 400 naming the param', () => {
    let error: unknown;
    try {
      translate({ ...base, previous_response_id: 'resp_123' });
    } catch (err) {
      error = err;
    }
    expect(GatewayError.is(error)).toBe(true);
    const e = error as GatewayError;
    expect(e.status).toBe(400);
    expect(e.id).toBe('AURORA_ERR_INVALID_PARAM');
    expect(e.param).toBe('previous_response_id');
    expect(e.message).toMatch(/previous_response_id is not supported/);
  });

  it('missing input → GatewayError 400 missing_required_parameter', () => {
    expect(() => translate({ model: 'deepseek-v4-pro' })).toThrowError(/Missing required parameter: input/);
    expect(() => translate({ model: 'deepseek-v4-pro', input: 42 })).toThrowError(/input/);
  });

  it('background: true → GatewayError 400; background: false is fine', () => {
    expect(() => translate({ ...base, background: true })).toThrowError(/background/);
    try {
      translate({ ...base, background: true });
    } catch (err) {
      expect((err as GatewayError).status).toBe(400);
      expect((err as GatewayError).param).toBe('background');
    }
    expect(() => translate({ ...base, background: false, previous_response_id: null })).not.toThrow();
  });
});

describe('tools and tool_choice', () => {
  const tools = [
    { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } }, strict: false },
    { type: 'custom', name: 'apply_patch', description: 'Edit files.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
    { type: 'namespace', name: 'mcp__docs__', description: 'Docs server', tools: [{ type: 'function', name: 'search', description: 'Search docs', parameters: { type: 'object', properties: {} } }] },
    { type: 'web_search' },
    { type: 'tool_search', execution: 'client', parameters: { type: 'object', properties: {} } },
    { type: 'local_shell' },
    { type: 'file_search', vector_store_ids: ['vs'] },
    { type: 'image_generation' },
    { type: 'mcp', server_label: 'x', server_url: 'https://x' },
    { type: 'code_interpreter', container: { type: 'auto' } },
    { type: 'function' }, // no name: dropped, never crashes
    null,
  ];
  const base = { model: 'deepseek-v4-pro', input: 'hi', tools };

  it('keeps functions, wraps custom, flattens namespaces, drops hosted tools', () => {
    const chat = translate(base);
    expect(toolNames(chat)).toEqual(['exec_command', 'apply_patch', 'mcp__docs__search']);
    expect(chat.tools[2].function.description).toBe('Search docs');
  });

  it.each([
    ['auto', 'auto'],
    ['none', 'none'],
    ['required', 'required'],
    [{ type: 'function', name: 'exec_command' }, { type: 'function', function: { name: 'exec_command' } }],
    [{ type: 'custom', name: 'apply_patch' }, { type: 'function', function: { name: 'apply_patch' } }],
    [{ type: 'function', name: 'search' }, { type: 'function', function: { name: 'mcp__docs__search' } }],
    [{ type: 'function', name: 'not_declared' }, 'auto'],
    [{ type: 'web_search_preview' }, 'auto'],
    [{ type: 'mcp', server_label: 'x' }, 'auto'],
  ])('tool_choice %j → %j', (choice, expected) => {
    expect(translate({ ...base, tool_choice: choice }).tool_choice).toEqual(expected);
  });

  it('allowed_tools filters the declared set and uses its mode', () => {
    const chat = translate({ ...base, tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'exec_command' }, { type: 'custom', name: 'apply_patch' }] } });
    expect(toolNames(chat)).toEqual(['exec_command', 'apply_patch']);
    expect(chat.tool_choice).toBe('required');
    const none = translate({ ...base, tool_choice: { type: 'allowed_tools', mode: 'auto', tools: [{ type: 'web_search' }] } });
    expect(none).not.toHaveProperty('tools');
    expect(none).not.toHaveProperty('tool_choice');
  });

  it('namespace flattening round-trips through the tool index', () => {
    const index = buildToolIndex(tools);
    const name = index.wireName('search', 'mcp__docs__');
    expect(name).toBe('mcp__docs__search');
    expect(index.target(name)).toEqual({ name: 'search', namespace: 'mcp__docs__', custom: false });
    expect(index.target('apply_patch')).toEqual({ name: 'apply_patch', custom: true });
    expect(index.target('exec_command')).toEqual({ name: 'exec_command', custom: false });
    // A history call inside the namespace is replayed under the flattened name.
    const chat = translate({
      ...base,
      input: [
        { type: 'function_call', call_id: 'call_1', name: 'search', namespace: 'mcp__docs__', arguments: '{"q":"x"}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'found' },
      ],
    });
    expect(chat.messages[0].tool_calls[0].function.name).toBe('mcp__docs__search');
  });

  it('flattened names stay valid and ≤ 64 characters, and collisions are disambiguated', () => {
    const long = qualifyName('a_really_long_tool_name_that_goes_on_and_on', 'mcp__some_very_long_server_name_here__');
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(qualifyName('tool.v2', 'ns')).toBe('ns__tool_v2');
    const index = buildToolIndex([
      { type: 'function', name: 'ns__close' },
      { type: 'namespace', name: 'ns', tools: [{ type: 'function', name: 'close' }] },
      { type: 'namespace', name: 'mcp__a__', tools: [{ type: 'function', name: 'a_really_long_tool_name_that_goes_on_and_on_and_on_forever' }] },
    ]);
    const names = index.entries.map((e) => e.wireName);
    expect(new Set(names).size).toBe(3);
    expect(index.target(index.wireName('close', 'ns'))).toEqual({ name: 'close', namespace: 'ns', custom: false });
    for (const entry of index.entries) {
      expect(entry.wireName.length).toBeLessThanOrEqual(64);
      expect(index.target(entry.wireName).name).toBe(entry.name);
    }
  });
});

describe('input items', () => {
  const base = { model: 'deepseek-v4-pro', tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: {} } }] };
  const user = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
  const call = (id: string, cmd = 'ls') => ({ type: 'function_call', call_id: id, name: 'exec_command', arguments: JSON.stringify({ cmd }) });
  const output = (id: string, text = 'out') => ({ type: 'function_call_output', call_id: id, output: text });

  it('coalesces reasoning + message + calls of one response into one assistant message', () => {
    const chat = translate({
      ...base,
      input: [
        user('go'),
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: carrier.seal('think', { model: 'm' }) },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Running two commands.' }] },
        call('c1'),
        call('c2', 'pwd'),
        output('c1'),
        output('c2'),
      ],
    });
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(chat.messages[1]).toMatchObject({ content: 'Running two commands.', reasoning_content: 'think' });
    expect(chat.messages[1].tool_calls.map((c: JsonObject) => c.id)).toEqual(['c1', 'c2']);
  });

  it('orphan call (interrupted turn) gets a synthetic "aborted" result before the next message', () => {
    const chat = translate({ ...base, input: [user('go'), call('c1'), call('c2'), output('c2'), user('stop that')] });
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['user', 'assistant', 'tool', 'tool', 'user']);
    expect(chat.messages[2]).toEqual({ role: 'tool', tool_call_id: 'c2', content: 'out' });
    expect(chat.messages[3]).toEqual({ role: 'tool', tool_call_id: 'c1', content: 'aborted' });
    // At the very end of the input too.
    const tail = translate({ ...base, input: [user('go'), call('c9')] });
    expectValidForDeepSeek(tail);
    expect(tail.messages[2]).toEqual({ role: 'tool', tool_call_id: 'c9', content: 'aborted' });
  });

  it('messages interleaved between a call and its output move after the tool messages', () => {
    const chat = translate({
      ...base,
      input: [user('go'), call('c1'), { type: 'message', role: 'developer', content: 'Approval granted.' }, user('and then?'), output('c1')],
    });
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['user', 'assistant', 'tool', 'system', 'user']);
  });

  it('a message held while a call was open keeps its place before the messages that follow the output', () => {
    const chat = translate({ ...base, input: [user('go'), call('c1'), user('first'), output('c1'), user('second')] });
    expectValidForDeepSeek(chat);
    expect(chat.messages.map((m: JsonObject) => m.tool_call_id ?? m.content)).toEqual(['go', '', 'c1', 'first', 'second']);
  });

  it('orphan outputs (no matching call) are dropped, custom outputs become tool messages', () => {
    const chat = translate({
      ...base,
      input: [
        user('go'),
        output('nobody'),
        { type: 'custom_tool_call', call_id: 'p1', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
        { type: 'custom_tool_call_output', call_id: 'p1', output: [{ type: 'input_text', text: 'Done' }, { type: 'input_image', image_url: 'data:image/png;base64,AA' }] },
      ],
    });
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['user', 'assistant', 'tool']);
    expect(chat.messages[2].content).toBe('Done\n[image omitted: this model cannot view images]');
  });

  it('developer mid-history becomes system in place; unknown items are dropped', () => {
    const chat = translate({
      ...base,
      input: [
        { type: 'message', role: 'developer', content: 'A' },
        { role: 'system', content: 'B' },
        user('hi'),
        { type: 'web_search_call', id: 'ws_1', status: 'completed' },
        { type: 'item_reference', id: 'x' },
        { type: 'compaction', encrypted_content: 'zzz' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hello' }] },
        { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'C' }] },
        user('again'),
      ],
    });
    expectValidForDeepSeek(chat);
    expect(chat.messages).toEqual([
      { role: 'system', content: 'A\n\nB' },
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'hello', reasoning_content: '' },
      { role: 'system', content: 'C' },
      { role: 'user', content: 'again' },
    ]);
  });

  it('reasoning with nothing after it is dropped; reasoning_text content is used when there is no token', () => {
    const chat = translate({
      ...base,
      input: [
        user('go'),
        { type: 'reasoning', id: 'rs_0', summary: [], content: [{ type: 'reasoning_text', text: 'plain' }] },
        call('c1'),
        output('c1'),
        { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'dangling' }], encrypted_content: carrier.seal('lost', { model: 'm' }) },
        user('next'),
      ],
    });
    expectValidForDeepSeek(chat);
    expect(roles(chat)).toEqual(['user', 'assistant', 'tool', 'user']);
    expect(chat.messages[1].reasoning_content).toBe('plain');
  });

  it('thinking disabled: no reasoning_content anywhere', () => {
    const chat = translate({
      ...base,
      reasoning: { effort: 'none' },
      input: [user('go'), { type: 'reasoning', id: 'rs', summary: [], encrypted_content: carrier.seal('t', { model: 'm' }) }, call('c1'), output('c1')],
    });
    expect(chat.thinking).toEqual({ type: 'disabled' });
    expect(chat.messages[1]).not.toHaveProperty('reasoning_content');
    expect(chat.messages[1].tool_calls).toHaveLength(1);
  });
});
