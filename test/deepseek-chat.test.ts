/**
 * OpenAI-style chat clients against DeepSeek on /v1/chat/completions, through real sockets: the
 * official openai SDK drives tool round trips the way chat clients replay history (the SDK's own
 * message object, or a rebuilt one without `reasoning_content` as the Vercel AI SDK and LangChain
 * send), and the emulated upstream rejects whatever DeepSeek would reject. Each test checks what the
 * client got and what DeepSeek received.
 */
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionAssistantMessageParam, ChatCompletionCreateParamsNonStreaming, ChatCompletionMessage, ChatCompletionMessageFunctionToolCall, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { ReasoningEffort } from 'openai/resources/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import { MASTER_KEY, UPSTREAM_KEY } from './helpers.ts';

const MODEL = 'deepseek-v4-pro';

let mock: MockUpstream;
// One gateway with the deepseek plugin alone (its own effort mapping applies), one with the effort plugin in front.
let plainGw: TestGateway;
let effortGw: TestGateway;
let plain: OpenAI;
let withEffort: OpenAI;

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  plainGw = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url })] });
  effortGw = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), effort(), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url })] });
  plain = new OpenAI({ apiKey: MASTER_KEY, baseURL: plainGw.baseUrl, maxRetries: 0 });
  withEffort = new OpenAI({ apiKey: MASTER_KEY, baseURL: effortGw.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await plainGw.close();
  await effortGw.close();
  await mock.close();
});

const tools: ChatCompletionTool[] = [{
  type: 'function',
  function: { name: 'get_weather', description: 'Current weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
}];

const REASONING = 'Two cities: one call each, in parallel.';
const PARALLEL_CALLS = [
  { id: 'call_00_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { id: 'call_01_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
];
const ANSWER = 'Paris is 18°C and sunny; Tokyo is 22°C and cloudy.';
const QUESTION: ChatCompletionMessageParam = { role: 'user', content: 'What is the weather in Paris and Tokyo?' };

/** What DeepSeek received last. */
const upstreamBody = () => mock.requests.at(-1)!.body;

/** DeepSeek's reasoning on a message the SDK returned (a field the SDK's types do not declare). */
const reasoningOf = (message: ChatCompletionMessage): unknown => (message as ChatCompletionMessage & { reasoning_content?: unknown }).reasoning_content;

const functionCalls = (message: ChatCompletionMessage) => (message.tool_calls ?? []) as ChatCompletionMessageFunctionToolCall[];

/** The assistant turn rebuilt from its parts, as the Vercel AI SDK and LangChain replay it: no reasoning_content. */
function rebuiltAssistant(message: ChatCompletionMessage): ChatCompletionAssistantMessageParam {
  return { role: 'assistant', content: message.content ?? '', tool_calls: functionCalls(message).map((c) => ({ id: c.id, type: 'function', function: { name: c.function.name, arguments: c.function.arguments } })) };
}

/** One tool result per call, in call order. */
function toolResults(message: ChatCompletionMessage): ChatCompletionMessageParam[] {
  return functionCalls(message).map((c) => ({ role: 'tool', tool_call_id: c.id, content: JSON.parse(c.function.arguments).city === 'Paris' ? '18°C, sunny' : '22°C, cloudy' }));
}

async function firstTurnNonStream(): Promise<ChatCompletion> {
  mock.enqueue({ reasoning: REASONING, toolCalls: PARALLEL_CALLS });
  const first = await plain.chat.completions.create({ model: MODEL, messages: [QUESTION], tools });
  expect(first.choices[0]!.finish_reason).toBe('tool_calls');
  expect(functionCalls(first.choices[0]!.message).map((c) => [c.id, c.function.arguments])).toEqual(PARALLEL_CALLS.map((c) => [c.id, c.arguments]));
  expect(reasoningOf(first.choices[0]!.message)).toBe(REASONING);
  return first;
}

/** Streams one turn with the SDK's stream helper; returns the reasoning and text the client saw, and the SDK's final completion. */
async function streamTurn(client: OpenAI, messages: ChatCompletionMessageParam[]) {
  const stream = client.chat.completions.stream({ model: MODEL, messages, tools });
  let reasoning = '';
  let text = '';
  for await (const chunk of stream) {
    const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string | null } | undefined;
    reasoning += delta?.reasoning_content ?? '';
    text += delta?.content ?? '';
  }
  return { reasoning, text, completion: await stream.finalChatCompletion() };
}

describe('tool round trip on /v1/chat/completions, thinking on', () => {
  it('non-stream: parallel calls replayed without reasoning_content reach DeepSeek with "" and the second turn answers', async () => {
    const first = await firstTurnNonStream();
    const assistant = rebuiltAssistant(first.choices[0]!.message);
    mock.enqueue({ reasoning: 'Both results are in.', content: ANSWER });
    const second = await plain.chat.completions.create({ model: MODEL, messages: [QUESTION, assistant, ...toolResults(first.choices[0]!.message)], tools });

    expect(second.choices[0]!.message.content).toBe(ANSWER);
    expect(second.choices[0]!.finish_reason).toBe('stop');
    const sent = upstreamBody();
    expect(sent.thinking).toEqual({ type: 'enabled' });
    expect(sent).not.toHaveProperty('reasoning_effort');
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool']);
    expect(sent.messages[1]).toEqual({
      role: 'assistant',
      content: '',
      reasoning_content: '',
      tool_calls: PARALLEL_CALLS.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })),
    });
    expect(sent.messages.slice(2)).toEqual([
      { role: 'tool', tool_call_id: 'call_00_paris', content: '18°C, sunny' },
      { role: 'tool', tool_call_id: 'call_01_tokyo', content: '22°C, cloudy' },
    ]);
  });

  it('non-stream: the SDK\'s message object appended as-is keeps DeepSeek\'s own reasoning_content across two tool steps', async () => {
    const first = await firstTurnNonStream();
    const history: ChatCompletionMessageParam[] = [QUESTION, first.choices[0]!.message, ...toolResults(first.choices[0]!.message)];
    mock.enqueue({ reasoning: 'Check Paris once more.', toolCalls: [{ id: 'call_02_again', name: 'get_weather', arguments: '{"city":"Paris"}' }] });
    const second = await plain.chat.completions.create({ model: MODEL, messages: history, tools });
    expect(functionCalls(second.choices[0]!.message).map((c) => c.id)).toEqual(['call_02_again']);

    history.push(second.choices[0]!.message, ...toolResults(second.choices[0]!.message));
    mock.enqueue({ content: ANSWER });
    const third = await plain.chat.completions.create({ model: MODEL, messages: history, tools });
    expect(third.choices[0]!.message.content).toBe(ANSWER);

    const assistants = upstreamBody().messages.filter((m: { role: string }) => m.role === 'assistant');
    expect(assistants.map((m: { reasoning_content: unknown }) => m.reasoning_content)).toEqual([REASONING, 'Check Paris once more.']);
    expect(upstreamBody().messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant', 'tool']);
  });

  it('stream: calls read with the SDK stream helper, replayed without reasoning_content, and the streamed second turn answers', async () => {
    mock.enqueue({ reasoning: REASONING, toolCalls: PARALLEL_CALLS });
    const first = await streamTurn(plain, [QUESTION]);
    expect(first.reasoning).toBe(REASONING);
    expect(first.completion.choices[0]!.finish_reason).toBe('tool_calls');
    const message = first.completion.choices[0]!.message;
    expect(functionCalls(message).map((c) => [c.id, c.function.name, c.function.arguments])).toEqual(PARALLEL_CALLS.map((c) => [c.id, c.name, c.arguments]));

    mock.enqueue({ reasoning: 'Both results are in.', content: ANSWER });
    const second = await streamTurn(plain, [QUESTION, rebuiltAssistant(message), ...toolResults(message)]);
    expect(second.text).toBe(ANSWER);
    expect(second.completion.choices[0]!.finish_reason).toBe('stop');

    const sent = upstreamBody();
    expect(sent.stream).toBe(true);
    expect(sent.messages[1]).toMatchObject({ role: 'assistant', content: '', reasoning_content: '' });
    expect(sent.messages.slice(2).map((m: { tool_call_id: string }) => m.tool_call_id)).toEqual(['call_00_paris', 'call_01_tokyo']);
  });

  it('stream: the SDK\'s accumulated message sent back as-is (text, calls, whatever reasoning_content it kept) is accepted', async () => {
    // Text before the calls: DeepSeek's content chunks carry `reasoning_content: null`, which the SDK's
    // accumulator copies onto the message instead of concatenating.
    mock.enqueue({ reasoning: REASONING, content: 'Checking both cities.', toolCalls: PARALLEL_CALLS });
    const first = await streamTurn(plain, [QUESTION]);
    const message = first.completion.choices[0]!.message;
    expect(first.text).toBe('Checking both cities.');

    mock.enqueue({ content: ANSWER });
    const second = await streamTurn(plain, [QUESTION, message, ...toolResults(message)]);
    expect(second.text).toBe(ANSWER);

    const replayed = upstreamBody().messages[1];
    const kept = reasoningOf(message);
    expect(replayed.reasoning_content).toBe(typeof kept === 'string' ? kept : '');
    expect(replayed.content).toBe('Checking both cities.');
    expect(replayed.tool_calls).toHaveLength(2);
    // The SDK's own additions (refusal, parsed) are not DeepSeek fields.
    expect(Object.keys(replayed).sort()).toEqual(['content', 'reasoning_content', 'role', 'tool_calls']);
  });

  it.each([false, true])('stream %s: a tool call never answered gets an "aborted" tool message before the next user message', async (stream) => {
    const orphan: ChatCompletionMessageParam[] = [
      QUESTION,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_00_lost', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'user', content: 'Never mind, just say hi.' },
    ];
    mock.enqueue({ content: 'Hi!' });
    const text = stream
      ? (await streamTurn(plain, orphan)).text
      : (await plain.chat.completions.create({ model: MODEL, messages: orphan, tools })).choices[0]!.message.content;
    expect(text).toBe('Hi!');

    expect(upstreamBody().messages).toEqual([
      QUESTION,
      { role: 'assistant', content: null, reasoning_content: '', tool_calls: [{ id: 'call_00_lost', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Oslo"}' } }] },
      { role: 'tool', tool_call_id: 'call_00_lost', content: 'aborted' },
      { role: 'user', content: 'Never mind, just say hi.' },
    ]);
  });
});

describe('request shape on /v1/chat/completions', () => {
  it('developer becomes system, a tool message with no call is dropped, and only fields DeepSeek documents are sent', async () => {
    const body = {
      model: MODEL,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
        { role: 'tool', tool_call_id: 'call_nobody_made', content: 'stale' },
      ],
      max_completion_tokens: 64,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      n: 1,
      store: true,
      seed: 7,
      user: 'u-1',
      metadata: { app: 'x' },
      temperature: 0.2,
    } as ChatCompletionCreateParamsNonStreaming;
    const res = await plain.chat.completions.create(body);
    expect(res.choices[0]!.message.content).toBeTypeOf('string');
    expect(upstreamBody()).toEqual({
      model: MODEL,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }],
      thinking: { type: 'enabled' },
      max_tokens: 64,
      temperature: 0.2,
    });
  });
});

describe('reasoning_effort on /v1/chat/completions', () => {
  const cases: Array<[ReasoningEffort, { type: string }, string | undefined]> = [
    ['none', { type: 'disabled' }, undefined],
    ['minimal', { type: 'disabled' }, undefined],
    ['low', { type: 'enabled' }, 'high'],
    ['xhigh', { type: 'enabled' }, 'max'],
  ];
  const configs: Array<[string, () => OpenAI]> = [['deepseek plugin alone', () => plain], ['with the effort plugin', () => withEffort]];

  describe.each(configs)('%s', (_name, client) => {
    it.each(cases)('%s → thinking %o, reasoning_effort %s', async (requested, thinking, reasoningEffort) => {
      const res = await client().chat.completions.create({ model: MODEL, messages: [QUESTION], reasoning_effort: requested });
      expect(res.choices[0]!.finish_reason).toBe('stop');
      const sent = upstreamBody();
      expect(sent.thinking).toEqual(thinking);
      expect(sent.reasoning_effort).toBe(reasoningEffort);
      if (reasoningEffort === undefined) expect(sent).not.toHaveProperty('reasoning_effort');
    });

    it('every effort reaches DeepSeek the same on /v1/chat/completions and /v1/responses', async () => {
      for (const requested of ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', undefined] as const) {
        await client().chat.completions.create({ model: MODEL, messages: [QUESTION], ...(requested ? { reasoning_effort: requested } : {}) });
        const chat = upstreamBody();
        await client().responses.create({ model: MODEL, input: 'What is the weather in Paris and Tokyo?', ...(requested ? { reasoning: { effort: requested } } : {}) });
        const responses = upstreamBody();
        expect({ effort: requested, thinking: chat.thinking, reasoning_effort: chat.reasoning_effort }).toEqual({ effort: requested, thinking: responses.thinking, reasoning_effort: responses.reasoning_effort });
      }
    });
  });

  it('thinking off: the replayed history carries no reasoning_content', async () => {
    const first = await firstTurnNonStream();
    const res = await plain.chat.completions.create({ model: MODEL, messages: [QUESTION, first.choices[0]!.message, ...toolResults(first.choices[0]!.message)], tools, reasoning_effort: 'none' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    const sent = upstreamBody();
    expect(sent.thinking).toEqual({ type: 'disabled' });
    expect(sent.messages[1]).not.toHaveProperty('reasoning_content');
    expect(sent.messages[1].tool_calls).toHaveLength(2);
  });

  it.each([
    ['disabled', undefined, { type: 'disabled' }, undefined],
    ['enabled', undefined, { type: 'enabled' }, undefined],
    ['enabled', 'none', { type: 'disabled' }, undefined],
    ['disabled', 'high', { type: 'enabled' }, 'high'],
  ] as const)('a client thinking %s with reasoning_effort %s → thinking %o, reasoning_effort %s', async (type, requested, thinking, reasoningEffort) => {
    for (const client of [plain, withEffort]) {
      const body = { model: MODEL, messages: [QUESTION], thinking: { type }, ...(requested ? { reasoning_effort: requested } : {}) };
      await client.chat.completions.create(body as ChatCompletionCreateParamsNonStreaming);
      expect(upstreamBody().thinking).toEqual(thinking);
      expect(upstreamBody().reasoning_effort).toBe(reasoningEffort);
    }
  });
});
