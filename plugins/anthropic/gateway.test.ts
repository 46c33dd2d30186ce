/**
 * The plugin in a real gateway, in front of the emulated Anthropic Messages API (its request
 * checks, thinking signatures and prompt cache): Codex-style Responses traffic with the openai
 * SDK, Messages clients passed through, Chat clients through the hub, and upstream errors.
 */
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject, Plugin } from 'aurora';
import { createTestGateway, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import { openThinking } from './carrier.ts';
import anthropic from './index.ts';

const KEY = 'sk-ant-upstream';
const open: Plugin = { name: 'open', onAuth: () => ({ id: 'tester' }) };
const EXEC = { type: 'function' as const, name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] }, strict: false };

let mock: MockUpstream;
let gw: TestGateway;
let refused: TestGateway;

beforeAll(async () => {
  // Small prompts are cached too, so the breakpoints' effect shows in usage.
  mock = await startMockUpstream({ apiKey: KEY, messagesCacheMinTokens: 1 });
  gw = await createTestGateway({ plugins: [open, anthropic({ baseUrl: `${mock.url}/v1`, apiKey: KEY })] });
  refused = await createTestGateway({ plugins: [open, anthropic({ baseUrl: `${mock.url}/v1`, apiKey: 'sk-ant-revoked' })] });
});
afterAll(async () => {
  await gw.close();
  await refused.close();
  await mock.close();
});
afterEach(() => {
  expect(mock.pending()).toBe(0);
  mock.reset();
});

describe('Codex traffic: /v1/responses → Claude', () => {
  it('the openai SDK streams a tool round trip; thinking signatures and cache reads come back on the second turn', async () => {
    const client = new OpenAI({ baseURL: gw.baseUrl, apiKey: 'client-key' });
    mock.enqueue({ reasoning: 'I should run ls.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }] }, { content: 'There are two files.' });
    const base = { model: 'claude-sonnet-4-5', instructions: 'You are a coding agent.', tools: [EXEC], reasoning: { effort: 'high' as const, summary: 'auto' as const }, store: false, include: ['reasoning.encrypted_content' as const] };
    const input: JsonObject[] = [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'List the files.' }] }];

    const first = await collect(await client.responses.create({ ...base, input: input as never, stream: true }));
    expect(first.status).toBe('completed');
    const [reasoning, call] = first.output as JsonObject[];
    expect(reasoning).toMatchObject({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should run ls.' }] });
    expect(openThinking(reasoning!.encrypted_content)?.model).toBe('claude-sonnet-4-5');
    expect(call).toMatchObject({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', call_id: expect.stringMatching(/^toolu_/) });

    // What went upstream: the Messages API's credentials and shape.
    const sent = mock.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 32000, thinking: { type: 'enabled', budget_tokens: 20480 }, stream: true, system: [{ type: 'text', text: 'You are a coding agent.' }] });

    // Codex's second request: the whole history, reasoning without its content, and the tool output.
    input.push(...(first.output as JsonObject[]).map((item) => (item.type === 'reasoning' ? { ...item, content: undefined } : item)));
    input.push({ type: 'function_call_output', call_id: call!.call_id, output: 'a.txt\nb.txt' });
    const second = await collect(await client.responses.create({ ...base, input: input as never, stream: true }));
    expect(second.status).toBe('completed');
    expect((second.output as JsonObject[]).at(-1)).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'There are two files.' }] });
    // The emulator verified the replayed signature (a 400 otherwise) and read the prefix from its cache.
    expect(mock.requests[1]!.body.messages[1].content[0]).toMatchObject({ type: 'thinking', thinking: 'I should run ls.', signature: expect.any(String) });
    expect(second.usage!.input_tokens_details.cached_tokens).toBeGreaterThan(0);
    expect(second.usage!.total_tokens).toBe(second.usage!.input_tokens + second.usage!.output_tokens);
  });

  it('a non-stream request gets a translated Responses object', async () => {
    const res = await post(gw, '/v1/responses', { model: 'claude-opus-4-8', input: 'Reply with exactly ok', reasoning: { effort: 'low' } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ object: 'response', status: 'completed', model: 'claude-opus-4-8' });
    expect(body.output.at(-1)).toMatchObject({ type: 'message', content: [{ text: 'ok' }] });
    expect(mock.requests[0]!.body).toMatchObject({ thinking: { type: 'adaptive' }, output_config: { effort: 'low' }, stream: false });
  });

  it('a 529 overloaded reaches the client with its status (Codex retries 5xx)', async () => {
    mock.enqueue({ http: { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: 'req_1' } } });
    const res = await post(gw, '/v1/responses', { model: 'claude-opus-5-5', input: 'hi', stream: true });
    expect(res.status).toBe(529);
    expect((await res.json()).error).toMatchObject({ message: 'Overloaded', type: 'overloaded_error' });
  });

  it('a key Anthropic refuses: 400 provider_not_configured, the operator\'s to fix, in either client shape', async () => {
    const res = await post(refused, '/v1/responses', { model: 'claude-opus-5-5', input: 'hi' });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'provider_not_configured', message: expect.stringContaining('The key you sent to this gateway was accepted') });
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(error.message).not.toContain('sk-ant-revoked');
    const messages = await post(refused, '/v1/messages', { model: 'claude-opus-5-5', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' });
    expect(messages.status).toBe(400);
    expect(await messages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('gateway operator') } });
  });
});

describe('Messages clients go straight through', () => {
  it('the body as sent, the client\'s anthropic-version and anthropic-beta, x-api-key; the stream in Anthropic\'s own events', async () => {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 2000, stream: true, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [{ role: 'user', content: [{ type: 'text', text: 'Reply with exactly ok', cache_control: { type: 'ephemeral' } }] }] };
    const text = JSON.stringify(body);
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14' },
      body: text,
    });
    expect(res.status).toBe(200);
    const events = await readSseEvents(res);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['message_start', 'content_block_start', 'content_block_delta', 'message_delta', 'message_stop']));
    expect(events.find((e) => e.event === 'content_block_start')!.json.content_block.type).toBe('thinking');
    const sent = mock.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.body).toEqual(body);
    expect(sent.headers).toMatchObject({ 'x-api-key': KEY, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'interleaved-thinking-2025-05-14' });
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('count_tokens goes to Anthropic, not the gateway\'s estimate', async () => {
    const res = await post(gw, '/v1/messages/count_tokens', { model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'hello there' }] }, { 'anthropic-version': '2023-06-01' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-aurora-token-count')).toBeNull();
    expect((await res.json()).input_tokens).toBeGreaterThan(0);
    expect(mock.requests[0]!.path).toBe('/v1/messages/count_tokens');
  });
});

describe('Chat Completions clients, through the hub', () => {
  it('a chat completion from a Claude model', async () => {
    const client = new OpenAI({ baseURL: gw.baseUrl, apiKey: 'client-key' });
    const completion = await client.chat.completions.create({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'Reply with exactly ok' }] });
    expect(completion.choices[0]!.message.content).toBe('ok');
    expect(mock.requests[0]!.body).toMatchObject({ model: 'claude-opus-4-8', messages: [{ role: 'user' }] });
  });
});

describe('a pool of keys', () => {
  it('a key Anthropic refuses is set aside and the next key answers; the refused key is tried once', async () => {
    const pooled = await createTestGateway({ plugins: [open, anthropic({ baseUrl: `${mock.url}/v1`, pool: [{ name: 'revoked', apiKey: 'sk-ant-revoked' }, { name: 'good', apiKey: KEY }] })] });
    try {
      for (let i = 0; i < 3; i++) expect((await post(pooled, '/v1/responses', { model: 'claude-sonnet-4-5', input: 'hi' })).status).toBe(200);
      expect(mock.requests.filter((r) => r.headers['x-api-key'] === 'sk-ant-revoked')).toHaveLength(1);
      expect(mock.requests.filter((r) => r.headers['x-api-key'] === KEY)).toHaveLength(3);
    } finally {
      await pooled.close();
    }
  });
});

async function collect(stream: AsyncIterable<{ type: string }>): Promise<JsonObject> {
  let final: JsonObject | undefined;
  for await (const event of stream) {
    if (event.type === 'response.completed' || event.type === 'response.incomplete' || event.type === 'response.failed') final = (event as unknown as JsonObject).response;
  }
  if (!final) throw new Error('no terminal event');
  return final;
}

function post(target: TestGateway, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${target.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', ...headers }, body: JSON.stringify(body) });
}
