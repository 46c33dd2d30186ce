/**
 * The local provider through the real gateway: the emulated upstream stands in for Ollama/vLLM, so
 * each test checks both sides — what the server received and what the client got back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Plugin } from 'aurora';
import { createTestGateway, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import localProvider from './local-provider.ts';

const SERVER_KEY = 'sk-local-server';
// Stands in for the auth plugin: every caller is let in as one principal.
const open: Plugin = { name: 'open', onAuth: () => ({ id: 'tester' }) };

let server: MockUpstream;
let gw: TestGateway;

beforeAll(async () => {
  server = await startMockUpstream({ apiKey: SERVER_KEY });
  gw = await createTestGateway({
    plugins: [
      open,
      localProvider({
        baseUrl: `${server.url}/v1`,
        apiKey: SERVER_KEY,
        models: { coder: 'qwen2.5-coder:7b' },
        headers: { 'x-tenant': 'team-a' },
        loadingRetryAfterSeconds: 9,
      }),
    ],
  });
});
afterEach(() => server.reset());
afterAll(async () => {
  await gw.close();
  await server.close();
});

function post(path: string, body: object) {
  return fetch(`${gw.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('non-stream', () => {
  it('Responses: the server gets its own model name, the client reads back the one it asked for', async () => {
    const res = await post('/responses', { model: 'local/llama3', input: 'Reply with exactly ok' });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model).toBe('local/llama3');
    expect(body.output[0].content[0].text).toBe('ok');

    const seen = server.requests.at(-1)!;
    expect(seen.path).toBe('/v1/responses');
    expect(seen.body.model).toBe('llama3');
    expect(seen.body.input).toBe('Reply with exactly ok');
    expect(seen.headers['x-tenant']).toBe('team-a');
    expect(seen.headers.authorization).toBe(`Bearer ${SERVER_KEY}`);
  });

  it('Chat Completions: a `models` entry maps an exact name both ways', async () => {
    const res = await post('/chat/completions', { model: 'coder', messages: [{ role: 'user', content: 'Reply with exactly ok' }] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model).toBe('coder');
    expect(body.choices[0].message.content).toBe('ok');
    expect(server.requests.at(-1)!.body.model).toBe('qwen2.5-coder:7b');
    expect(server.requests.at(-1)!.headers['x-tenant']).toBe('team-a');
  });
});

describe('stream', () => {
  it('Responses: lifecycle events carry the client name, text deltas pass unchanged', async () => {
    server.enqueue({ content: 'hello from llama' });
    const res = await post('/responses', { model: 'local/llama3', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = await readSseEvents(res);
    const withModel = events.filter((e) => e.json?.response?.model !== undefined);
    expect(withModel.map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'response.completed']);
    expect(withModel.every((e) => e.json.response.model === 'local/llama3')).toBe(true);
    const text = events.filter((e) => e.event === 'response.output_text.delta').map((e) => e.json.delta).join('');
    expect(text).toBe('hello from llama');
    expect(server.requests.at(-1)!.body.model).toBe('llama3');
    expect(server.requests.at(-1)!.headers['x-tenant']).toBe('team-a');
  });

  it('Chat Completions: every chunk carries the client name', async () => {
    server.enqueue({ content: 'streamed', reasoning: '' });
    const res = await post('/chat/completions', { model: 'coder', messages: [{ role: 'user', content: 'hi' }], stream: true });
    expect(res.status).toBe(200);
    const chunks = (await readSseEvents(res)).filter((e) => e.json);
    expect(chunks.length).toBeGreaterThan(2);
    expect(new Set(chunks.map((e) => e.json.model))).toEqual(new Set(['coder']));
    expect(chunks.map((e) => e.json.choices[0]?.delta?.content ?? '').join('')).toBe('streamed');
    expect(server.requests.at(-1)!.body.model).toBe('qwen2.5-coder:7b');
  });
});

describe('errors', () => {
  it("maps the server's 404 'model not found' text to our 404 model_not_found", async () => {
    server.enqueue({ http: { status: 404, headers: { 'content-type': 'text/plain' }, body: 'model "llama9" not found, try pulling it first' } });
    const res = await post('/responses', { model: 'local/llama9', input: 'hi' });
    expect(res.status).toBe(404);
    const { error } = await res.json();
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(error.message).toContain('local/llama9');
    expect(error.message).toContain('try pulling it first');
  });

  it("maps the server's 503 'Loading model' to 503 with Retry-After", async () => {
    server.enqueue({ http: { status: 503, body: { error: { code: 503, message: 'Loading model', type: 'unavailable_error' } } } });
    const res = await post('/responses', { model: 'local/llama3', input: 'hi', stream: true });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('9');
    expect((await res.json()).error.message).toContain('still loading llama3');
  });

  it('passes any other server error on with its status and message', async () => {
    server.enqueue({ http: { status: 400, body: { error: { message: 'context too long', type: 'invalid_request_error', param: null, code: null } } } });
    const res = await post('/responses', { model: 'local/llama3', input: 'hi' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('context too long');
  });

  it('answers 404 model_not_found for a model it does not claim, without calling the server', async () => {
    for (const model of ['gpt-4.1-mini', 'local/', 'qwen2.5-coder:7b']) {
      const res = await post('/responses', { model, input: 'hi' });
      expect(res.status).toBe(404);
      expect((await res.json()).error.code).toBe('model_not_found');
    }
    expect(server.requests).toHaveLength(0);
  });
});

describe('options', () => {
  it('refuses a prefix that would claim every model', () => {
    expect(() => localProvider({ prefix: '' })).toThrow(/must not be empty/);
    expect(() => localProvider({ prefix: false })).toThrow(/list the models/);
  });

  it('lists the `models` names in GET /v1/models', async () => {
    const res = await fetch(`${gw.baseUrl}/models`);
    expect(res.status).toBe(200);
    expect((await res.json()).data.map((m: { id: string }) => m.id)).toEqual(['coder']);
  });
});
