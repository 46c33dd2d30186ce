import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { startMockUpstream, type MockUpstream } from './index.ts';
import { parseSseText } from '../../sse.ts';
import { signThinking, unsealThinking } from './messages-signature.ts';
import { validateAnthropicMessagesRequest } from '../index.ts';

// The emulated Anthropic Messages API, through real fetch calls as a gateway makes them.

const KEY = 'sk-ant-test';
const OK_PROMPT = 'Reply with exactly ok';
const MODEL = 'claude-sonnet-4-5';
const BASH = { name: 'Bash', description: 'Run a shell command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } };
const user = (content: unknown) => ({ role: 'user', content });
const assistant = (content: unknown) => ({ role: 'assistant', content });
const text = (t: string, extra: object = {}) => ({ type: 'text', text: t, ...extra });
const toolUse = (id: string, input: object = { command: 'ls' }) => ({ type: 'tool_use', id, name: 'Bash', input });
const toolResult = (id: string, content = 'a.txt') => ({ type: 'tool_result', tool_use_id: id, content });
const thinkingOn = (budget = 1024) => ({ type: 'enabled', budget_tokens: budget });
const cc = { cache_control: { type: 'ephemeral' } };

interface Frame {
  event: string;
  json: any;
}

const frames = async (res: Response): Promise<Frame[]> => parseSseText(await res.text()).map((e) => ({ event: e.event ?? '', json: JSON.parse(e.data) }));

describe('/v1/messages (Anthropic)', () => {
  let mock: MockUpstream;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${mock.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, 'anthropic-version': '2023-06-01', ...headers },
      body: JSON.stringify(body),
    });
  const messages = (body: Record<string, unknown>, headers?: Record<string, string>) => post('/v1/messages', { model: MODEL, max_tokens: 4096, ...body }, headers);
  const refused = async (body: Record<string, unknown>, headers?: Record<string, string>) => {
    const res = await messages(body, headers);
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(400);
    expect(json.type).toBe('error');
    expect(json.error.type).toBe('invalid_request_error');
    return json.error.message as string;
  };
  const accepted = async (body: Record<string, unknown>, headers?: Record<string, string>) => {
    const res = await messages(body, headers);
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json;
  };

  beforeAll(async () => {
    mock = await startMockUpstream({ apiKey: KEY });
  });
  afterAll(() => mock.close());
  afterEach(() => {
    expect(mock.pending()).toBe(0);
    mock.reset();
  });

  describe('answers', () => {
    it('answers ok as a Message without streaming, with a request-id', async () => {
      const res = await messages({ messages: [user(OK_PROMPT)] });
      expect(res.headers.get('request-id')).toMatch(/^req_/);
      const body = await res.json();
      expect(body).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, content: [{ type: 'text', text: 'ok' }], stop_reason: 'end_turn', stop_sequence: null });
      expect(body.id).toMatch(/^msg_/);
      expect(body.usage).toMatchObject({ cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 });
      expect(body.usage.input_tokens).toBeGreaterThan(0);
    });

    it('echoes the last text the user wrote, not a message of tool results', async () => {
      mock.enqueue({ toolCalls: [{ id: 'toolu_a', name: 'Bash', arguments: '{"command":"ls"}' }] });
      await accepted({ tools: [BASH], messages: [user('list the files')] });
      const body = await accepted({ tools: [BASH], messages: [user('list the files'), assistant([toolUse('toolu_a')]), user([toolResult('toolu_a')])] });
      expect(body.content).toEqual([{ type: 'text', text: 'echo: list the files' }]);
    });

    it('streams thinking, text and tool_use in the grammar Claude Code accepts', async () => {
      mock.enqueue({ reasoning: 'Need to list.', content: 'Listing.', toolCalls: [{ id: 'toolu_1', name: 'Bash', arguments: '{"command":"ls"}' }] });
      const res = await messages({ stream: true, thinking: thinkingOn(), tools: [BASH], messages: [user('list')] });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('request-id')).toMatch(/^req_/);
      const events = await frames(res);
      for (const e of events) expect(e.json.type).toBe(e.event);
      expect(events.map((e) => (e.event === 'content_block_delta' ? e.json.delta.type : e.event))).toEqual([
        'message_start',
        'ping',
        'content_block_start',
        'thinking_delta',
        'thinking_delta',
        'signature_delta',
        'content_block_stop',
        'content_block_start',
        'text_delta',
        'text_delta',
        'content_block_stop',
        'content_block_start',
        'input_json_delta',
        'input_json_delta',
        'content_block_stop',
        'message_delta',
        'message_stop',
      ]);
      const start = events[0]!.json.message;
      expect(start).toMatchObject({ type: 'message', role: 'assistant', content: [], stop_reason: null, usage: { output_tokens: 1 } });
      expect(start.usage.input_tokens).toBeGreaterThan(0);
      expect(events.filter((e) => e.event === 'content_block_start').map((e) => [e.json.index, e.json.content_block])).toEqual([
        [0, { type: 'thinking', thinking: '', signature: '' }],
        [1, { type: 'text', text: '' }],
        [2, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: {} }],
      ]);
      const deltas = (type: string, field: string) => events.filter((e) => e.json.delta?.type === type).map((e) => e.json.delta[field]).join('');
      expect(deltas('thinking_delta', 'thinking')).toBe('Need to list.');
      expect(deltas('text_delta', 'text')).toBe('Listing.');
      expect(JSON.parse(deltas('input_json_delta', 'partial_json'))).toEqual({ command: 'ls' });
      expect(unsealThinking(deltas('signature_delta', 'signature'))).toBe('Need to list.');
      expect(events.at(-2)!.json).toMatchObject({ delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: expect.any(Number) } });
    });

    it('returns the same turn as Message content, with generated tool ids when the script has none', async () => {
      mock.enqueue({ reasoning: 'Need to list.', content: 'Listing.', toolCalls: [{ name: 'Bash', arguments: '{"command":"ls"}' }] });
      const body = await accepted({ thinking: thinkingOn(), tools: [BASH], messages: [user('list')] });
      expect(body.content.map((b: { type: string }) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
      expect(body.content[0]).toMatchObject({ thinking: 'Need to list.', signature: expect.stringMatching(/^sig_/) });
      expect(body.content[2]).toEqual({ type: 'tool_use', id: expect.stringMatching(/^toolu_[0-9a-f]{24}$/), name: 'Bash', input: { command: 'ls' } });
      expect(body.stop_reason).toBe('tool_use');
    });

    it('turns thinking on only when the request asks, with a short default thought', async () => {
      mock.enqueue({ reasoning: 'scripted but not asked for' });
      expect((await accepted({ messages: [user('hi')] })).content.map((b: { type: string }) => b.type)).toEqual(['text']);
      const adaptive = await accepted({ thinking: { type: 'adaptive' }, messages: [user('hi')] });
      expect(adaptive.content[0]).toMatchObject({ type: 'thinking', thinking: 'Considering the request.' });
    });

    it('maps finish reasons to stop reasons, and an overloaded turn to an error', async () => {
      mock.enqueue({ content: 'cut', finishReason: 'length' }, { content: 'no', finishReason: 'content_filter' }, { finishReason: 'insufficient_system_resource' }, { finishReason: 'insufficient_system_resource' });
      expect((await accepted({ messages: [user('x')] })).stop_reason).toBe('max_tokens');
      expect((await accepted({ messages: [user('x')] })).stop_reason).toBe('refusal');
      const whole = await messages({ messages: [user('x')] });
      expect(whole.status).toBe(529);
      expect((await whole.json()).error.type).toBe('overloaded_error');
      const events = await frames(await messages({ stream: true, messages: [user('x')] }));
      expect(events.at(-1)).toEqual({ event: 'error', json: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
      expect(events.some((e) => e.event === 'message_stop')).toBe(false);
    });

    it('takes raw HTTP replies and stream faults from the same script as the other routes', async () => {
      mock.enqueue({ http: { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } } }, { fault: 'reset-after', events: 3 });
      expect((await messages({ messages: [user('x')] })).status).toBe(529);
      const res = await messages({ stream: true, messages: [user('x')] });
      await expect(res.text()).rejects.toThrow();
    });

    it('records requests like the other routes, query string aside', async () => {
      await post('/v1/messages?beta=true', { model: MODEL, max_tokens: 10, messages: [user('x')] }, { 'anthropic-beta': 'claude-code-20250219' });
      expect(mock.requests).toHaveLength(1);
      const [recorded] = mock.requests;
      expect(recorded).toMatchObject({ method: 'POST', path: '/v1/messages', body: { model: MODEL, max_tokens: 10 } });
      expect(recorded!.headers['anthropic-beta']).toBe('claude-code-20250219');
    });
  });

  describe('thinking signatures', () => {
    it('accepts a replayed thinking block as it was sent, and refuses it with its text or signature changed', async () => {
      mock.enqueue({ reasoning: 'I should run ls.', toolCalls: [{ id: 'toolu_1', name: 'Bash', arguments: '{"command":"ls"}' }] });
      const first = await accepted({ thinking: thinkingOn(), tools: [BASH], messages: [user('list')] });
      const [thought, call] = first.content;
      const next = (replayed: object) => ({ thinking: thinkingOn(), tools: [BASH], messages: [user('list'), assistant([replayed, call]), user([toolResult('toolu_1')])] });
      await accepted(next(thought));
      expect(await refused(next({ ...thought, thinking: 'I should run rm -rf.' }))).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
      expect(await refused(next({ ...thought, signature: `${thought.signature.slice(0, -4)}AAAA` }))).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
      expect(await refused(next({ ...thought, signature: 'aurora.sig1:rs_1:gAAAAB' }))).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    });

    it('hides the text with display omitted, and accepts the empty replay its signature covers', async () => {
      const thinking = { ...thinkingOn(), display: 'omitted' };
      mock.enqueue({ reasoning: 'Secret plan.', toolCalls: [{ id: 'toolu_1', name: 'Bash', arguments: '{}' }] });
      const events = await frames(await messages({ stream: true, thinking, tools: [BASH], messages: [user('list')] }));
      expect(events.some((e) => e.json.delta?.type === 'thinking_delta')).toBe(false);
      const signature = events.find((e) => e.json.delta?.type === 'signature_delta')!.json.delta.signature;
      expect(unsealThinking(signature)).toBe('Secret plan.');
      const replay = (thought: string) => ({ thinking, tools: [BASH], messages: [user('list'), assistant([{ type: 'thinking', thinking: thought, signature }, toolUse('toolu_1', {})]), user([toolResult('toolu_1')])] });
      await accepted(replay(''));
      expect(await refused(replay('Secret plan, guessed.'))).toMatch(/Invalid `signature`/);
    });

    it('sends redacted thinking when scripted, and accepts back only the data it sent', async () => {
      mock.enqueue({ reasoning: 'hidden', redactedThinking: true, toolCalls: [{ id: 'toolu_1', name: 'Bash', arguments: '{}' }] });
      const first = await accepted({ thinking: thinkingOn(), tools: [BASH], messages: [user('list')] });
      expect(first.content[0]).toEqual({ type: 'redacted_thinking', data: expect.stringMatching(/^rdt_/) });
      const replay = (block: object) => ({ thinking: thinkingOn(), tools: [BASH], messages: [user('list'), assistant([block, first.content[1]]), user([toolResult('toolu_1')])] });
      await accepted(replay(first.content[0]));
      expect(await refused(replay({ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' }))).toBe('messages.1.content.0: Invalid `data` in `redacted_thinking` block');
    });
  });

  describe('request checks (each refused as the real API refuses it, and accepted when done right)', () => {
    const sig = signThinking('Planning.', false);
    const thought = { type: 'thinking', thinking: 'Planning.', signature: sig };
    const loop = (first: unknown[]) => [user('list'), assistant(first), user([toolResult('toolu_1')])];

    const cases: Array<{ rule: string; bad: Record<string, unknown>; good: Record<string, unknown>; message: string | RegExp; headers?: Record<string, string> }> = [
      { rule: 'max_tokens is required', bad: { max_tokens: undefined, messages: [user('x')] }, good: { messages: [user('x')] }, message: 'max_tokens: Field required' },
      { rule: 'max_tokens is a positive integer', bad: { max_tokens: 0, messages: [user('x')] }, good: { max_tokens: 1, messages: [user('x')] }, message: 'max_tokens: Input should be greater than or equal to 1' },
      { rule: 'messages may not be empty', bad: { messages: [] }, good: { messages: [user('x')] }, message: 'messages: at least one message is required' },
      { rule: 'roles are user and assistant', bad: { messages: [user('x'), { role: 'tool', content: 'r' }] }, good: { messages: [user('x'), assistant('r')] }, message: "messages.1.role: Input should be 'user' or 'assistant'" },
      { rule: 'a message has content', bad: { messages: [user(''), assistant('r'), user('x')] }, good: { messages: [user('q'), assistant('r'), user('x')] }, message: 'messages: all messages must have non-empty content except for the optional final assistant message' },
      { rule: 'text blocks are not empty', bad: { messages: [user([text('')])] }, good: { messages: [user([text('x')])] }, message: 'messages: text content blocks must be non-empty' },
      {
        rule: 'block types are known',
        bad: { messages: [user([{ type: 'input_text', text: 'x' }])] },
        good: { messages: [user([text('x')])] },
        message: /^messages\.0\.content\.0: Input tag 'input_text' found using 'type' does not match any of the expected tags: 'text', 'image'/,
      },
      { rule: 'tool_use belongs to the assistant', bad: { tools: [BASH], messages: [user([toolUse('toolu_1')])] }, good: { tools: [BASH], messages: [user('x')] }, message: /^messages\.0\.content\.0: Input tag 'tool_use'/ },
      { rule: 'tool_result belongs to the user', bad: { tools: [BASH], messages: [user('x'), assistant([toolResult('toolu_1')])] }, good: { tools: [BASH], messages: [user('x'), assistant('y')] }, message: /^messages\.1\.content\.0: Input tag 'tool_result'/ },
      {
        rule: 'a tool_result answers a tool_use of the message before',
        bad: { tools: [BASH], messages: [user('x'), assistant('y'), user([toolResult('toolu_9')])] },
        good: { tools: [BASH], messages: [user('x'), assistant([toolUse('toolu_9')]), user([toolResult('toolu_9')])] },
        message: 'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      },
      {
        rule: 'a tool_use is answered in the very next message',
        bad: { tools: [BASH], messages: [user('x'), assistant([toolUse('toolu_1'), toolUse('toolu_2')]), user([toolResult('toolu_1')])] },
        good: { tools: [BASH], messages: [user('x'), assistant([toolUse('toolu_1'), toolUse('toolu_2')]), user([toolResult('toolu_1'), toolResult('toolu_2')])] },
        message: 'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_2. Each `tool_use` block must have a corresponding `tool_result` block in the next message.',
      },
      {
        rule: 'tool results come first in their message',
        bad: { tools: [BASH], messages: [user('x'), assistant([toolUse('toolu_1')]), user([text('<reminder>'), toolResult('toolu_1')])] },
        good: { tools: [BASH], messages: [user('x'), assistant([toolUse('toolu_1')]), user([toolResult('toolu_1'), text('<reminder>')])] },
        message: /^messages\.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1\./,
      },
      {
        rule: 'tool ids are letters, digits, _ and -',
        bad: { tools: [BASH], messages: [user('x'), assistant([toolUse('call_1|fc_1')]), user([toolResult('call_1|fc_1')])] },
        good: { tools: [BASH], messages: [user('x'), assistant([toolUse('call_1')]), user([toolResult('call_1')])] },
        message: "messages.1.content.0.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'",
      },
      {
        rule: 'with thinking on, a tool loop opens with its thinking',
        bad: { thinking: thinkingOn(), tools: [BASH], messages: loop([toolUse('toolu_1')]) },
        good: { thinking: thinkingOn(), tools: [BASH], messages: loop([thought, toolUse('toolu_1')]) },
        message: /^messages\.1\.content\.0\.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`\. When `thinking` is enabled, a final `assistant` message must start with a thinking block/,
      },
      {
        rule: 'with thinking off, a final assistant message holds no thinking',
        bad: { messages: [user('x'), assistant([thought, text('So')])] },
        good: { thinking: thinkingOn(), messages: [user('x'), assistant([thought, text('So')])] },
        message: 'messages.1.content.0: When thinking is disabled, an `assistant` message in the final position cannot contain `thinking`. To use thinking blocks, enable `thinking` in your request.',
      },
      {
        rule: 'at most 4 cache breakpoints',
        bad: { system: [text('a', cc), text('b', cc)], messages: [user([text('c', cc), text('d', cc), text('e', cc)])] },
        good: { system: [text('a', cc), text('b', cc)], messages: [user([text('c'), text('d', cc), text('e', cc)])] },
        message: 'A maximum of 4 blocks with cache_control may be provided. Found 5.',
      },
      { rule: 'tool names are letters, digits, _ and -', bad: { tools: [{ ...BASH, name: 'fs.read' }], messages: [user('x')] }, good: { tools: [{ ...BASH, name: 'fs_read' }], messages: [user('x')] }, message: "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'" },
      { rule: 'a tool has an input_schema', bad: { tools: [{ name: 'Bash' }], messages: [user('x')] }, good: { tools: [BASH], messages: [user('x')] }, message: 'tools.0.custom.input_schema: Field required' },
      { rule: 'an input_schema is an object schema', bad: { tools: [{ name: 'Bash', input_schema: { type: 'array' } }], messages: [user('x')] }, good: { tools: [BASH], messages: [user('x')] }, message: "tools.0.custom.input_schema.type: Input should be 'object'" },
      {
        rule: 'tools are not in the OpenAI shape',
        bad: { tools: [{ type: 'function', function: { name: 'Bash', parameters: BASH.input_schema } }], messages: [user('x')] },
        good: { tools: [BASH], messages: [user('x')] },
        message: /^tools\.0: Input tag 'function' found using 'type' does not match any of the expected tags: 'custom'/,
      },
      { rule: 'tool names are unique', bad: { tools: [BASH, BASH], messages: [user('x')] }, good: { tools: [BASH], messages: [user('x')] }, message: 'tools: Tool names must be unique.' },
      { rule: 'tool_choice names a declared tool', bad: { tools: [BASH], tool_choice: { type: 'tool', name: 'Read' }, messages: [user('x')] }, good: { tools: [BASH], tool_choice: { type: 'tool', name: 'Bash' }, messages: [user('x')] }, message: "Tool 'Read' not found in provided tools" },
      { rule: 'thinking does not go with a forced tool', bad: { thinking: thinkingOn(), tools: [BASH], tool_choice: { type: 'any' }, messages: [user('x')] }, good: { thinking: thinkingOn(), tools: [BASH], tool_choice: { type: 'auto' }, messages: [user('x')] }, message: 'Thinking may not be enabled when tool_choice forces tool use.' },
      { rule: 'adaptive thinking does not go with a forced tool either', bad: { thinking: { type: 'adaptive' }, tools: [BASH], tool_choice: { type: 'tool', name: 'Bash' }, messages: [user('x')] }, good: { thinking: { type: 'adaptive' }, tools: [BASH], messages: [user('x')] }, message: 'Thinking may not be enabled when tool_choice forces tool use.' },
      { rule: 'thinking keeps temperature at 1', bad: { thinking: thinkingOn(), temperature: 0.2, messages: [user('x')] }, good: { thinking: thinkingOn(), temperature: 1, messages: [user('x')] }, message: /^`temperature` may only be set to 1 when thinking is enabled\./ },
      { rule: 'thinking leaves top_k unset', bad: { thinking: thinkingOn(), top_k: 40, messages: [user('x')] }, good: { top_k: 40, messages: [user('x')] }, message: /^`top_k` must be unset when thinking is enabled\./ },
      { rule: 'a thinking budget is at least 1024', bad: { thinking: thinkingOn(512), messages: [user('x')] }, good: { thinking: thinkingOn(1024), messages: [user('x')] }, message: 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024' },
      { rule: 'max_tokens exceeds the thinking budget', bad: { max_tokens: 2000, thinking: thinkingOn(2000), messages: [user('x')] }, good: { max_tokens: 2001, thinking: thinkingOn(2000), messages: [user('x')] }, message: /^`max_tokens` must be greater than `thinking.budget_tokens`\./ },
      {
        rule: 'interleaved thinking lets the budget exceed max_tokens',
        bad: { max_tokens: 2000, thinking: thinkingOn(4000), messages: [user('x')] },
        good: { max_tokens: 2000, thinking: thinkingOn(4000), messages: [user('x')] },
        headers: { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' },
        message: /^`max_tokens` must be greater than `thinking.budget_tokens`\./,
      },
      { rule: 'unknown top-level fields are refused', bad: { reasoning_effort: 'high', messages: [user('x')] }, good: { messages: [user('x')] }, message: 'reasoning_effort: Extra inputs are not permitted' },
      { rule: 'metadata.user_id is a string', bad: { metadata: { user_id: { session_id: 's' } }, messages: [user('x')] }, good: { metadata: { user_id: '{"session_id":"s"}' }, messages: [user('x')] }, message: 'metadata.user_id: Input should be a valid string' },
      {
        rule: 'a mid-conversation system message needs a model that takes it',
        bad: { model: 'claude-sonnet-4-5', messages: [user('x'), { role: 'system', content: 'be brief' }] },
        good: { model: 'claude-opus-5-5', messages: [user('x'), { role: 'system', content: 'be brief' }] },
        message: "messages.1: role 'system' is not supported on this model",
      },
      {
        rule: 'a mid-conversation system message follows a user turn',
        bad: { model: 'claude-opus-5-5', messages: [{ role: 'system', content: 'be brief' }, user('x')] },
        good: { model: 'claude-opus-5-5', messages: [user('x'), { role: 'system', content: 'be brief' }, assistant('ok')] },
        message: /^messages\.0: a `system` message must follow a `user` message/,
      },
      { rule: 'Opus 4.8 takes adaptive thinking, not a budget', bad: { model: 'claude-opus-4-8', thinking: thinkingOn(), messages: [user('x')] }, good: { model: 'claude-opus-4-8', thinking: { type: 'adaptive' }, messages: [user('x')] }, message: /^thinking\.type\.enabled is not supported for this model/ },
      { rule: 'Opus 4.8 takes no sampling parameters', bad: { model: 'claude-opus-4-8', temperature: 0.5, messages: [user('x')] }, good: { model: 'claude-opus-4-8', messages: [user('x')] }, message: 'temperature is deprecated for this model.' },
    ];

    it.each(cases)('$rule', async ({ bad, good, message, headers }) => {
      if (headers) {
        // The refused request is the same one sent without the header that lifts the rule.
        const error = await refused(bad);
        expect(error).toMatch(message);
        await accepted(good, headers);
        return;
      }
      const error = await refused(bad);
      if (typeof message === 'string') expect(error).toBe(message);
      else expect(error).toMatch(message);
      await accepted(good);
    });

    it('offers the same checks without a server, for unit tests of a translator', () => {
      expect(validateAnthropicMessagesRequest({ model: MODEL, max_tokens: 10, messages: [user('x')] })).toBeNull();
      expect(validateAnthropicMessagesRequest({ model: MODEL, messages: [user('x')] })).toBe('max_tokens: Field required');
      expect(validateAnthropicMessagesRequest({ model: MODEL, messages: [user('x')] }, { countTokens: true })).toBeNull();
    });

    it("passes the requests Claude Code builds, and refuses its replay of thinking signed by another server", () => {
      const recorded = (name: string) => {
        const json = JSON.parse(readFileSync(new URL(`../../../test/fixtures/claude-code/${name}`, import.meta.url), 'utf8'));
        return json.body ?? json;
      };
      const betas = ['claude-code-20250219', 'interleaved-thinking-2025-05-14', 'context-management-2025-06-27'];
      expect(validateAnthropicMessagesRequest(recorded('plain.request.json'), { betas })).toBeNull();
      expect(validateAnthropicMessagesRequest(recorded('model_deepseek_v4_pro.request.json'), { betas })).toBeNull();
      expect(validateAnthropicMessagesRequest(recorded('count_tokens.1.request.json'), { countTokens: true })).toBeNull();
      // Recorded against a stub whose signatures ("stub-sig-…") Anthropic would not accept either.
      expect(validateAnthropicMessagesRequest(recorded('thinking_tool_use.turn2.request.json'), { betas })).toBe('messages.1.content.0: Invalid `signature` in `thinking` block');
    });

    it('accepts an assistant message first, as the first-party API does', async () => {
      await accepted({ messages: [assistant('How can I help?'), user('x')] });
    });

    it("accepts Claude Code's request shape: system blocks, a system message last, display omitted, context_management", async () => {
      const res = await messages(
        {
          model: 'claude-opus-5-5',
          max_tokens: 128000,
          system: [text('x-anthropic-billing-header: cc_version=2.1.328.d23;'), text('You are a Claude agent.', cc)],
          tools: [BASH],
          metadata: { user_id: '{"device_id":"d","account_uuid":"","session_id":"s"}' },
          thinking: { type: 'adaptive', display: 'omitted' },
          context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
          output_config: { effort: 'medium' },
          messages: [user([text('<system-reminder>git status</system-reminder>'), text(OK_PROMPT, cc)]), { role: 'system', content: [text('env', cc)] }],
          stream: true,
        },
        { 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14,context-management-2025-06-27' },
      );
      expect(res.status).toBe(200);
      const events = await frames(res);
      expect(events.filter((e) => e.json.delta?.type === 'text_delta').map((e) => e.json.delta.text).join('')).toBe('ok');
      expect(events.filter((e) => e.json.delta?.type === 'thinking_delta')).toEqual([]);
    });
  });

  describe('authentication and version', () => {
    const call = (headers: Record<string, string>) =>
      fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ model: MODEL, max_tokens: 5, messages: [user('x')] }) });

    it('wants the key in x-api-key, in the Anthropic error shape', async () => {
      const cases: Array<[Record<string, string>, string]> = [
        [{ 'anthropic-version': '2023-06-01' }, 'x-api-key header is required'],
        [{ 'anthropic-version': '2023-06-01', 'x-api-key': 'sk-wrong' }, 'invalid x-api-key'],
        [{ 'anthropic-version': '2023-06-01', authorization: `Bearer ${KEY}` }, 'x-api-key header is required'],
      ];
      for (const [headers, message] of cases) {
        const res = await call(headers);
        expect(res.status).toBe(401);
        expect(res.headers.get('request-id')).toMatch(/^req_/);
        expect(await res.json()).toEqual({ type: 'error', error: { type: 'authentication_error', message }, request_id: res.headers.get('request-id') });
      }
      expect((await call({ 'anthropic-version': '2023-06-01', 'x-api-key': KEY })).status).toBe(200);
    });

    it('requires the anthropic-version header', async () => {
      const res = await call({ 'x-api-key': KEY });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toEqual({ type: 'invalid_request_error', message: 'anthropic-version: header is required' });
    });

    it('answers a body that is not JSON in its own shape', async () => {
      const res = await fetch(`${mock.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01' }, body: '{oops' });
      expect(res.status).toBe(400);
      expect((await res.json()).type).toBe('error');
    });
  });

  describe('count_tokens', () => {
    it('counts the prompt as /v1/messages bills it, without max_tokens', async () => {
      const prompt = { model: MODEL, system: 'Be brief.', tools: [BASH], messages: [user('How many files?')] };
      const counted = await post('/v1/messages/count_tokens', prompt);
      expect(counted.status).toBe(200);
      expect(counted.headers.get('request-id')).toMatch(/^req_/);
      const { input_tokens } = await counted.json();
      expect(input_tokens).toBeGreaterThan(0);
      const billed = (await accepted({ ...prompt, max_tokens: 100 })).usage;
      expect(billed.input_tokens + billed.cache_read_input_tokens + billed.cache_creation_input_tokens).toBe(input_tokens);
      expect(mock.pending()).toBe(0);
    });

    it('refuses a prompt the API refuses', async () => {
      const res = await post('/v1/messages/count_tokens', { model: MODEL, messages: [user('x'), assistant([toolUse('toolu_1')])] });
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/`tool_use` ids were found without `tool_result` blocks/);
    });
  });
});

describe('/v1/messages prompt caching', () => {
  let mock: MockUpstream;
  const send = async (key: string, body: Record<string, unknown>) => {
    const res = await fetch(`${mock.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 1024, ...body }),
    });
    const json = await res.json();
    expect(res.status, JSON.stringify(json)).toBe(200);
    return json.usage as { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number; cache_creation: Record<string, number> };
  };
  // ~1,250 tokens at four bytes a token: over Sonnet's 1,024 minimum.
  const SYSTEM = 'You are a careful assistant. '.repeat(172);
  const systemBlock = (t = SYSTEM) => [{ type: 'text', text: t, ...cc }];
  const total = (u: { input_tokens: number; cache_creation_input_tokens: number; cache_read_input_tokens: number }) => u.input_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens;

  // Claude Code's pattern: breakpoints on the system prompt and on the last block of the last message.
  const conversation = (turns: number, system = systemBlock()) => {
    const messages: unknown[] = [];
    for (let t = 0; t < turns; t++) {
      if (t > 0) messages.push(assistant(`answer ${t}`));
      messages.push(user([text(`question ${t + 1}`, t === turns - 1 ? cc : {})]));
    }
    return { system, messages };
  };

  beforeAll(async () => {
    mock = await startMockUpstream();
  });
  afterAll(() => mock.close());
  afterEach(() => mock.reset());

  it('writes the prefix on turn 1 and reads it on turn 2, creating only what was added', async () => {
    const first = await send('k', conversation(1));
    expect(first.cache_read_input_tokens).toBe(0);
    expect(first.cache_creation_input_tokens).toBeGreaterThan(1024);
    expect(first.input_tokens).toBe(0); // the last block is a breakpoint: nothing after it
    expect(first.cache_creation).toEqual({ ephemeral_5m_input_tokens: first.cache_creation_input_tokens, ephemeral_1h_input_tokens: 0 });

    const second = await send('k', conversation(2));
    expect(second.cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
    expect(second.cache_creation_input_tokens).toBe(total(second) - total(first));
    const third = await send('k', conversation(3));
    expect(third.cache_read_input_tokens).toBe(total(second));
  });

  it('reads nothing when the prefix changed, and only the system prompt when thinking changed', async () => {
    await send('k', conversation(1));
    expect((await send('k', conversation(2, systemBlock(`${SYSTEM}Today is Tuesday.`)))).cache_read_input_tokens).toBe(0);
    const withThinking = await send('k', { ...conversation(2), max_tokens: 4096, thinking: thinkingOn(2048) });
    const systemOnly = (await send('k', { system: systemBlock(), messages: [user('other')] })).cache_read_input_tokens;
    expect(withThinking.cache_read_input_tokens).toBe(systemOnly);
    expect(systemOnly).toBeGreaterThan(1024);
  });

  it('keeps entries per API key, drops them on reset, and stores no prefix under the minimum', async () => {
    await send('k', conversation(1));
    expect((await send('other-key', conversation(2))).cache_read_input_tokens).toBe(0);
    mock.reset();
    expect((await send('k', conversation(2))).cache_read_input_tokens).toBe(0);
    const short = { system: [text('Be brief.', cc)], messages: [user([text('hi', cc)])] };
    await send('k', short);
    expect(await send('k', short)).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });

  it('finds a stored prefix only within 20 blocks before a breakpoint', async () => {
    const blocks = (n: number, last: number) => Array.from({ length: n }, (_, i) => text(`block ${i}`, i === last ? cc : {}));
    const stored = await send('k', { system: [text(SYSTEM)], messages: [user(blocks(1, 0))] }); // one breakpoint: block 0
    const near = await send('k', { system: [text(SYSTEM)], messages: [user(blocks(20, 19))] });
    expect(near.cache_read_input_tokens).toBe(stored.cache_creation_input_tokens);
    mock.reset();
    await send('k', { system: [text(SYSTEM)], messages: [user(blocks(1, 0))] });
    const far = await send('k', { system: [text(SYSTEM)], messages: [user(blocks(21, 20))] });
    expect(far.cache_read_input_tokens).toBe(0);
  });

  it('caches the last block for a top-level cache_control, with its ttl', async () => {
    const body = { cache_control: { type: 'ephemeral', ttl: '1h' }, system: SYSTEM, messages: [user('q')] };
    const first = await send('k', body);
    expect(first.cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: first.cache_creation_input_tokens });
    expect((await send('k', body)).cache_read_input_tokens).toBe(first.cache_creation_input_tokens);
  });

  it('lets a scripted usage override the computed split', async () => {
    mock.enqueue({ usage: { prompt_tokens: 100, prompt_cache_hit_tokens: 60, cache_creation_tokens: 30, completion_tokens: 7 } });
    expect(await send('k', conversation(1))).toMatchObject({ input_tokens: 10, cache_read_input_tokens: 60, cache_creation_input_tokens: 30, output_tokens: 7 });
  });

  it('uses messagesCacheMinTokens instead of the model minimum', async () => {
    const small = await startMockUpstream({ messagesCacheMinTokens: 1 });
    try {
      const body = { system: [text('Be brief.', cc)], messages: [user('hi')] };
      const call = () =>
        fetch(`${small.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: MODEL, max_tokens: 10, ...body }) }).then((r) => r.json());
      expect((await call()).usage.cache_creation_input_tokens).toBeGreaterThan(0);
      expect((await call()).usage.cache_read_input_tokens).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });
});
