import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError, type JsonObject } from 'aurora';
import { validateDeepSeekChatRequest } from 'aurora/testing';
import { toDeepSeekChatRequest } from './chat-request.ts';
import { mapEffort, toChatRequest } from './request.ts';
import { createReasoningCarrier } from './state.ts';

const MODEL = 'deepseek-v4-pro';
const normalize = (body: JsonObject, model = MODEL) => toDeepSeekChatRequest({ model: 'client-name', ...body }, { model });
/** What DeepSeek (as emulated) says about a request: null when it would accept it. */
const deepseekVerdict = (chat: JsonObject) => validateDeepSeekChatRequest(chat, ['low', 'high', 'max']);

const WEATHER = { type: 'function', function: { name: 'get_weather', description: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const call = (id: string, city = 'Paris') => ({ id, type: 'function', function: { name: 'get_weather', arguments: `{"city":"${city}"}` } });
const user = (content: unknown = 'weather?') => ({ role: 'user', content });

describe('assistant messages and reasoning_content', () => {
  it('thinking on: an assistant turn replayed without reasoning_content gets "", one that kept it is sent as is, null becomes ""', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'assistant', content: '', tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: 'sunny' },
        { role: 'assistant', content: null, reasoning_content: 'Once more.', tool_calls: [call('b')] },
        { role: 'tool', tool_call_id: 'b', content: 'sunny' },
        { role: 'assistant', content: 'It is sunny.', reasoning_content: null },
      ],
      tools: [WEATHER],
    });
    expect(chat.thinking).toEqual({ type: 'enabled' });
    expect(chat.messages.filter((m: JsonObject) => m.role === 'assistant').map((m: JsonObject) => m.reasoning_content)).toEqual(['', 'Once more.', '']);
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('thinking off: no reasoning_content anywhere, even when the client kept it', () => {
    const chat = normalize({
      messages: [user(), { role: 'assistant', content: '', reasoning_content: 'old thought', tool_calls: [call('a')] }, { role: 'tool', tool_call_id: 'a', content: 'sunny' }],
      reasoning_effort: 'none',
    });
    expect(chat.thinking).toEqual({ type: 'disabled' });
    expect(chat.messages[1]).not.toHaveProperty('reasoning_content');
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('content is always there: missing → "", null kept, text and refusal parts joined; unknown message fields dropped', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'assistant', tool_calls: [call('a')], refusal: null, audio: null, annotations: [], parsed: null },
        { role: 'tool', tool_call_id: 'a', content: [{ type: 'text', text: 'sun' }, { type: 'text', text: 'ny' }] },
        { role: 'assistant', content: null, name: 'bot' },
        user('and?'),
        { role: 'assistant', content: [{ type: 'text', text: 'Sun' }, { type: 'refusal', refusal: 'ny.' }] },
      ],
    });
    expect(chat.messages).toEqual([
      user(),
      { role: 'assistant', content: '', reasoning_content: '', tool_calls: [call('a')] },
      { role: 'tool', tool_call_id: 'a', content: 'sun\nny' },
      { role: 'assistant', content: null, name: 'bot', reasoning_content: '' },
      user('and?'),
      { role: 'assistant', content: 'Sunny.', reasoning_content: '' },
    ]);
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('tool calls: object or empty arguments become JSON text, a call without id gets one, custom calls take the one-string form', () => {
    const chat = normalize({
      messages: [
        user(),
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'a', type: 'function', function: { name: 'get_weather', arguments: { city: 'Oslo' } } },
            { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '' } },
            { type: 'function', function: { name: 'get_weather', arguments: '{}' } },
            { id: 'c', type: 'custom', custom: { name: 'apply_patch', input: '*** Begin Patch' } },
          ],
        },
        { role: 'tool', tool_call_id: 'a', content: 'x' },
        { role: 'tool', tool_call_id: 'b', content: '' },
        { role: 'tool', tool_call_id: 'c', content: 'done' },
      ],
    });
    expect(chat.messages[1].tool_calls).toEqual([
      { id: 'a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } },
      { id: 'b', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
      { id: 'call_aurora_0', type: 'function', function: { name: 'get_weather', arguments: '{}' } },
      { id: 'c', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch"}' } },
    ]);
    // The call the client could not answer (no id) is closed like any unanswered call.
    expect(chat.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'a', content: 'x' },
      { role: 'tool', tool_call_id: 'b', content: '(no output)' },
      { role: 'tool', tool_call_id: 'c', content: 'done' },
      { role: 'tool', tool_call_id: 'call_aurora_0', content: 'aborted' },
    ]);
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('an empty tool_calls array is left out', () => {
    const chat = normalize({ messages: [user(), { role: 'assistant', content: 'hi', tool_calls: [] }] });
    expect(chat.messages[1]).toEqual({ role: 'assistant', content: 'hi', reasoning_content: '' });
  });
});

describe('tool message order', () => {
  it('a call never answered is closed with "aborted" before the next user message', () => {
    const chat = normalize({ messages: [user(), { role: 'assistant', content: null, tool_calls: [call('lost')] }, user('never mind')] });
    expect(chat.messages.map((m: JsonObject) => [m.role, m.tool_call_id ?? m.content])).toEqual([
      ['user', 'weather?'], ['assistant', null], ['tool', 'lost'], ['user', 'never mind'],
    ]);
    expect(chat.messages[2].content).toBe('aborted');
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('parallel calls partly answered: the rest are closed before the next assistant turn, and at the end', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'assistant', content: '', tool_calls: [call('a'), call('b', 'Tokyo')] },
        { role: 'tool', tool_call_id: 'b', content: 'cloudy' },
        { role: 'assistant', content: '', tool_calls: [call('c')] },
      ],
    });
    expect(chat.messages.map((m: JsonObject) => (m.role === 'tool' ? `tool:${m.tool_call_id}:${m.content}` : m.role))).toEqual([
      'user', 'assistant', 'tool:b:cloudy', 'tool:a:aborted', 'assistant', 'tool:c:aborted',
    ]);
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('user and system messages between a call and its result move after the results, in order', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'assistant', content: '', tool_calls: [call('a'), call('b')] },
        { role: 'tool', tool_call_id: 'a', content: 'one' },
        user('hurry'),
        { role: 'system', content: 'note' },
        { role: 'tool', tool_call_id: 'b', content: 'two' },
        user('thanks'),
      ],
    });
    expect(chat.messages.map((m: JsonObject) => m.tool_call_id ?? m.content)).toEqual(['weather?', '', 'a', 'b', 'hurry', 'note', 'thanks']);
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('a tool message with no open call (never made, or answered already) is dropped', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'tool', tool_call_id: 'ghost', content: 'x' },
        { role: 'assistant', content: '', tool_calls: [call('a')] },
        { role: 'tool', tool_call_id: 'a', content: 'sunny' },
        { role: 'tool', tool_call_id: 'a', content: 'sunny again' },
        { role: 'tool', content: 'no id' },
      ],
    });
    expect(chat.messages.map((m: JsonObject) => m.role)).toEqual(['user', 'assistant', 'tool']);
    expect(chat.messages[2].content).toBe('sunny');
    expect(deepseekVerdict(chat)).toBeNull();
  });

  it('the deprecated function-calling history becomes a tool call and its result', () => {
    const chat = normalize({
      messages: [
        user(),
        { role: 'assistant', content: null, function_call: { name: 'get_weather', arguments: '{"city":"Rome"}' } },
        { role: 'function', name: 'get_weather', content: 'hot' },
      ],
      functions: [{ name: 'get_weather', parameters: {} }],
      function_call: 'auto',
    });
    expect(chat.messages.slice(1)).toEqual([
      { role: 'assistant', content: null, reasoning_content: '', tool_calls: [{ id: 'call_aurora_0', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
      { role: 'tool', tool_call_id: 'call_aurora_0', content: 'hot' },
    ]);
    expect(chat).not.toHaveProperty('functions');
    expect(chat).not.toHaveProperty('function_call');
    expect(deepseekVerdict(chat)).toBeNull();
  });
});

describe('roles and content', () => {
  it('developer → system, names kept, part arrays of system messages joined', () => {
    const chat = normalize({
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }, { type: 'text', text: 'Be kind.' }] },
        { role: 'system', content: 'Use metric units.', name: 'ops' },
        { role: 'user', content: 'hi', name: 'ana' },
        { role: 'wizard', content: 'x' },
        null,
      ],
    });
    expect(chat.messages).toEqual([
      { role: 'system', content: 'Be brief.\n\nBe kind.' },
      { role: 'system', content: 'Use metric units.', name: 'ops' },
      { role: 'user', content: 'hi', name: 'ana' },
    ]);
  });

  it('user text parts become one string; parts with an image stay as sent', () => {
    const image = [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }];
    const chat = normalize({ messages: [user([{ type: 'text', text: 'a' }, { type: 'text', text: 'b' }]), { role: 'assistant', content: 'ok' }, user(image)] });
    expect(chat.messages[0].content).toBe('a\n\nb');
    expect(chat.messages[2].content).toEqual(image);
  });
});

describe('top-level fields', () => {
  it('max_completion_tokens → max_tokens (max_tokens wins when both), nulls and OpenAI-only fields dropped', () => {
    const chat = normalize({
      messages: [user()],
      max_completion_tokens: 64,
      stop: null,
      temperature: 0.3,
      top_p: 0.9,
      presence_penalty: 0,
      frequency_penalty: null,
      logprobs: true,
      top_logprobs: 2,
      n: 1, seed: 1, store: true, user: 'u', metadata: {}, logit_bias: {}, parallel_tool_calls: false, modalities: ['text'], service_tier: 'auto', verbosity: 'low', prompt_cache_key: 'k', safety_identifier: 's',
    });
    expect(chat).toEqual({ model: MODEL, messages: [user()], thinking: { type: 'enabled' }, max_tokens: 64, temperature: 0.3, top_p: 0.9, presence_penalty: 0, logprobs: true, top_logprobs: 2 });
    expect(normalize({ messages: [user()], max_tokens: 10, max_completion_tokens: 20 }).max_tokens).toBe(10);
  });

  it('stream_options only with stream: true, and only include_usage', () => {
    expect(normalize({ messages: [user()], stream: true, stream_options: { include_usage: true, include_obfuscation: false } })).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    expect(normalize({ messages: [user()], stream: true, stream_options: { include_usage: true, include_obfuscation: false } }).stream_options).toEqual({ include_usage: true });
    expect(normalize({ messages: [user()], stream: false, stream_options: { include_usage: true } })).not.toHaveProperty('stream_options');
  });

  it('response_format: json_schema → json_object with the schema in the system prompt; json_object kept; text left out', () => {
    const schema = { type: 'object', properties: { city: { type: 'string' } } };
    const chat = normalize({ messages: [{ role: 'system', content: 'Be brief.' }, user()], response_format: { type: 'json_schema', json_schema: { name: 'place', schema, strict: true } } });
    expect(chat.response_format).toEqual({ type: 'json_object' });
    expect(chat.messages[0].content).toContain('Be brief.');
    expect(chat.messages[0].content).toContain('(place)');
    expect(chat.messages[0].content).toContain(JSON.stringify(schema));
    expect(deepseekVerdict(chat)).toBeNull();
    expect(normalize({ messages: [user('answer in json')], response_format: { type: 'json_object' } }).response_format).toEqual({ type: 'json_object' });
    expect(normalize({ messages: [user()], response_format: { type: 'text' } })).not.toHaveProperty('response_format');
  });
});

describe('tools and tool_choice', () => {
  it('function tools in DeepSeek\'s shape (no strict, parameters always there); custom tools left out', () => {
    const chat = normalize({
      messages: [user()],
      tools: [
        { type: 'function', function: { ...WEATHER.function, strict: true } },
        { type: 'function', function: { name: 'ping' } },
        { type: 'custom', custom: { name: 'apply_patch' } },
        { type: 'function' },
      ],
    });
    expect(chat.tools).toEqual([WEATHER, { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } }]);
  });

  it('no tools → no tool_choice, whatever the client sent', () => {
    for (const choice of ['auto', 'none', 'required', { type: 'function', function: { name: 'get_weather' } }]) {
      const chat = normalize({ messages: [user()], tool_choice: choice });
      expect(chat).not.toHaveProperty('tools');
      expect(chat).not.toHaveProperty('tool_choice');
    }
    expect(normalize({ messages: [user()], tools: [{ type: 'custom', custom: { name: 'x' } }], tool_choice: 'required' })).not.toHaveProperty('tool_choice');
  });

  it('tool_choice: strings kept; a named function kept only when offered; allowed_tools narrows the tools; custom → auto', () => {
    const ping = { type: 'function', function: { name: 'ping', parameters: { type: 'object', properties: {} } } };
    const tools = [WEATHER, ping];
    const choiceOf = (tool_choice: unknown) => normalize({ messages: [user()], tools, tool_choice });
    expect(choiceOf('required').tool_choice).toBe('required');
    expect(choiceOf(undefined)).not.toHaveProperty('tool_choice');
    expect(choiceOf({ type: 'function', function: { name: 'ping' } }).tool_choice).toEqual({ type: 'function', function: { name: 'ping' } });
    expect(choiceOf({ type: 'function', function: { name: 'missing' } }).tool_choice).toBe('auto');
    expect(choiceOf({ type: 'custom', custom: { name: 'apply_patch' } }).tool_choice).toBe('auto');
    const allowed = choiceOf({ type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'ping' } }] } });
    expect(allowed.tools).toEqual([ping]);
    expect(allowed.tool_choice).toBe('required');
  });
});

describe('thinking and effort', () => {
  const carrier = createReasoningCarrier('chat-request-test');
  const EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', 'bogus', undefined, null];

  it('maps every effort exactly as the Responses route does (one mapEffort)', () => {
    for (const effort of EFFORTS) {
      const chat = normalize({ messages: [user()], reasoning_effort: effort });
      const responses = toChatRequest({ model: 'x', input: 'weather?', reasoning: { effort } }, { model: MODEL, carrier });
      const expected = mapEffort(effort);
      expect({ effort, thinking: chat.thinking, reasoning_effort: chat.reasoning_effort }).toEqual({ effort, ...expected });
      expect({ effort, thinking: responses.thinking, reasoning_effort: responses.reasoning_effort }).toEqual({ effort, ...expected });
    }
  });

  it('none/minimal → thinking disabled and no reasoning_effort; low/medium/high → high; xhigh/max → max', () => {
    const pick = (effort: string) => {
      const chat = normalize({ messages: [user()], reasoning_effort: effort });
      return [chat.thinking.type, chat.reasoning_effort];
    };
    expect(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'].map(pick)).toEqual([
      ['disabled', undefined], ['disabled', undefined], ['enabled', 'high'], ['enabled', 'high'], ['enabled', 'high'], ['enabled', 'max'], ['enabled', 'max'],
    ]);
  });

  it('the client\'s own thinking is kept without an effort; an effort decides when both are sent', () => {
    expect(normalize({ messages: [user()], thinking: { type: 'disabled' } }).thinking).toEqual({ type: 'disabled' });
    expect(normalize({ messages: [user()], thinking: { type: 'enabled', budget_tokens: 9 } }).thinking).toEqual({ type: 'enabled' });
    expect(normalize({ messages: [user()], thinking: null }).thinking).toEqual({ type: 'enabled' });
    const overridden = normalize({ messages: [user()], thinking: { type: 'disabled' }, reasoning_effort: 'high' });
    expect([overridden.thinking, overridden.reasoning_effort]).toEqual([{ type: 'enabled' }, 'high']);
    const off = normalize({ messages: [user()], thinking: { type: 'enabled' }, reasoning_effort: 'minimal' });
    expect([off.thinking, off.reasoning_effort]).toEqual([{ type: 'disabled' }, undefined]);
  });

  it('a malformed thinking is a 400 naming the param', () => {
    for (const thinking of [{ type: 'auto' }, 'disabled', true]) {
      let error: unknown;
      try {
        normalize({ messages: [user()], thinking });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).status).toBe(400);
      expect((error as GatewayError).param).toBe('thinking');
    }
  });
});

describe('property: any OpenAI chat history becomes a request DeepSeek accepts', () => {
  const ids = ['c1', 'c2', 'c3', 'c4'];
  const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constant(''));
  const parts = fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 3 });
  const toolCall = fc.record({
    id: fc.option(fc.constantFrom(...ids), { nil: undefined }),
    type: fc.constant('function'),
    function: fc.record({ name: fc.constantFrom('get_weather', 'ping'), arguments: fc.oneof(fc.constant(''), fc.constant('{"city":"Paris"}'), fc.constant({ city: 'Rome' })) }),
  }, { requiredKeys: ['type', 'function'] });
  const assistant = fc.record({
    role: fc.constant('assistant'),
    content: fc.oneof(text, fc.constant(null), parts),
    reasoning_content: fc.oneof(text, fc.constant(null)),
    tool_calls: fc.array(toolCall, { maxLength: 3 }),
    refusal: fc.constant(null),
  }, { requiredKeys: ['role'] });
  const message = fc.oneof(
    fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.oneof(text, parts) }),
    fc.record({ role: fc.constant('user'), content: fc.oneof(text, parts) }),
    assistant,
    fc.record({ role: fc.constant('tool'), tool_call_id: fc.constantFrom(...ids, 'other'), content: fc.oneof(text, parts) }),
  );
  const request = fc.record({
    messages: fc.array(message, { maxLength: 14 }),
    reasoning_effort: fc.constantFrom(undefined, 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'),
    thinking: fc.constantFrom(undefined, { type: 'enabled' }, { type: 'disabled' }),
    tools: fc.constantFrom(undefined, [], [WEATHER]),
    tool_choice: fc.constantFrom(undefined, 'auto', 'none', 'required', { type: 'function', function: { name: 'get_weather' } }),
    max_completion_tokens: fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }),
  }, { requiredKeys: ['messages'] });

  it('passes every DeepSeek check the emulated upstream makes', () => {
    fc.assert(
      fc.property(request, (body) => {
        const chat = normalize({ ...body, messages: [user(), ...body.messages] } as JsonObject);
        expect(deepseekVerdict(chat)).toBeNull();
      }),
      { seed: 20260523, numRuns: 500 },
    );
  });
});
