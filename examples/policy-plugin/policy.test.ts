/**
 * The policy plugin through the real gateway, in front of the openai passthrough and the emulated
 * upstream: each test checks what the upstream received and what the client got.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecord, Plugin } from 'aurora';
import openai from 'aurora/plugins/openai';
import { createTestGateway, iterateSseEvents, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import policy from './policy.ts';

// Stands in for an auth plugin with one key per person.
const KEYS: Record<string, string> = { 'key-alice': 'alice', 'key-bob': 'intern-bob' };
const people: Plugin = {
  name: 'people',
  enforce: 'pre',
  onAuth: (headers) => {
    const id = KEYS[headers.get('authorization')?.replace(/^Bearer /, '') ?? ''];
    return id ? { id } : undefined;
  },
};

const TEXT = 'Write to alice@example.com or bob.smith@corp.example.org today.';
const REDACTED = 'Write to [redacted] or [redacted] today.';

let upstream: MockUpstream;
let gw: TestGateway;
let audits: AuditRecord[] = [];

beforeAll(async () => {
  // 16 pieces: each address reaches the gateway split over several deltas.
  upstream = await startMockUpstream({ apiKey: 'sk-up', streamChunks: 16 });
  gw = await createTestGateway({
    plugins: [
      people,
      policy({ deny: [{ models: ['gpt-5*'], principals: ['intern-*'], reason: 'Interns use gpt-4.1-mini' }] }),
      openai({ baseUrl: `${upstream.url}/v1`, apiKey: 'sk-up' }),
      { name: 'audit-spy', onAudit: (record) => void audits.push(record) },
    ],
  });
});
afterEach(() => {
  upstream.reset();
  audits = [];
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});

function post(path: string, body: object, key = 'key-alice', signal?: AbortSignal) {
  return fetch(`${gw.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body), signal });
}

describe('principal header', () => {
  it('tells the upstream who is calling, never with the client key', async () => {
    const res = await post('/responses', { model: 'gpt-4.1-mini', input: 'Reply with exactly ok' });
    expect(res.status).toBe(200);
    const seen = upstream.requests.at(-1)!;
    expect(seen.headers['x-aurora-principal']).toBe('alice');
    expect(seen.headers.authorization).toBe('Bearer sk-up');
  });
});

describe('model access', () => {
  it('refuses a denied model with 403 before anything is sent upstream', async () => {
    const res = await post('/responses', { model: 'gpt-5.5', input: 'hi' }, 'key-bob');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ error: { message: 'Interns use gpt-4.1-mini', type: 'invalid_request_error', param: 'model', code: 'permission_denied' } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('lets the same principal use other models, and others use that one', async () => {
    expect((await post('/responses', { model: 'gpt-4.1-mini', input: 'hi' }, 'key-bob')).status).toBe(200);
    expect((await post('/responses', { model: 'gpt-5.5', input: 'hi' }, 'key-alice')).status).toBe(200);
    expect(upstream.requests.map((r) => r.headers['x-aurora-principal'])).toEqual(['intern-bob', 'alice']);
  });

  it('hides denied models from that principal in GET /v1/models', async () => {
    const list = async (key: string) => {
      const res = await fetch(`${gw.baseUrl}/models`, { headers: { authorization: `Bearer ${key}` } });
      return (await res.json()).data.map((m: { id: string }) => m.id);
    };
    expect(await list('key-alice')).toContain('gpt-5.5');
    const bobs = await list('key-bob');
    expect(bobs).toContain('gpt-4.1-mini');
    expect(bobs).not.toContain('gpt-5.5');
  });
});

describe('redaction in the prompt', () => {
  it('Responses: the upstream never sees the addresses; the audit keeps the count', async () => {
    const res = await post('/responses', {
      model: 'gpt-4.1-mini',
      instructions: 'Sign as carol@example.net',
      input: [
        { role: 'user', content: [{ type: 'input_text', text: TEXT }] },
        { type: 'function_call', call_id: 'call_1', name: 'whois', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'owner: dave@example.io' },
      ],
    });
    expect(res.status).toBe(200);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.instructions).toBe('Sign as [redacted]');
    expect(sent.input[0].content[0].text).toBe(REDACTED);
    expect(sent.input[2]).toEqual({ type: 'function_call_output', call_id: 'call_1', output: 'owner: [redacted]' });
    expect(JSON.stringify(upstream.requests)).not.toMatch(/@example/);
    await expect.poll(() => audits.length).toBe(1); // audits run after the client has its answer
    expect(audits[0]!.annotations.policy).toEqual({ promptRedactions: 4 });
  });

  it('Chat Completions: message content, string or parts', async () => {
    const res = await post('/chat/completions', {
      model: 'gpt-4.1-mini',
      messages: [{ role: 'system', content: 'Admin: root@example.com' }, { role: 'user', content: [{ type: 'text', text: TEXT }] }],
    });
    expect(res.status).toBe(200);
    const sent = upstream.requests.at(-1)!.body;
    expect(sent.messages[0].content).toBe('Admin: [redacted]');
    expect(sent.messages[1].content[0].text).toBe(REDACTED);
  });

  it('leaves a prompt without matches as the client sent it', async () => {
    const body = { model: 'gpt-4.1-mini', input: 'no addresses here' };
    await post('/responses', body);
    expect(upstream.requests.at(-1)!.body).toEqual(body);
  });
});

describe('redaction in the output', () => {
  it('Responses stream: addresses split over deltas are caught; events keep their count and order', async () => {
    upstream.enqueue({ content: TEXT });
    const res = await post('/responses', { model: 'gpt-4.1-mini', input: 'hi', stream: true });
    expect(res.status).toBe(200);
    const events = await readSseEvents(res);
    const deltas = events.filter((e) => e.event === 'response.output_text.delta');
    expect(deltas).toHaveLength(16); // as many as the upstream sent
    expect(deltas.map((e) => e.json.delta).join('')).toBe(REDACTED);
    expect(events.map((e) => e.json.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.find((e) => e.event === 'response.output_text.done')!.json.text).toBe(REDACTED);
    expect(events.find((e) => e.event === 'response.output_item.done')!.json.item.content[0].text).toBe(REDACTED);
    expect(events.at(-1)!.json.response.output[0].content[0].text).toBe(REDACTED);
    expect(events.map((e) => e.data).join('')).not.toContain('@');
  });

  it('Chat stream: the same over content chunks', async () => {
    upstream.enqueue({ content: TEXT, reasoning: '' });
    const res = await post('/chat/completions', { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const chunks = (await readSseEvents(res)).filter((e) => e.json);
    expect(chunks.map((e) => e.json.choices[0]?.delta?.content ?? '').join('')).toBe(REDACTED);
    expect(chunks.map((e) => e.data).join('')).not.toContain('@');
  });

  it('non-stream: Responses output and Chat message', async () => {
    upstream.enqueue({ content: TEXT });
    const responses = await (await post('/responses', { model: 'gpt-4.1-mini', input: 'hi' })).json();
    expect(responses.output[0].content[0].text).toBe(REDACTED);
    upstream.enqueue({ content: TEXT, reasoning: '' });
    const chat = await (await post('/chat/completions', { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] })).json();
    expect(chat.choices[0].message.content).toBe(REDACTED);
  });

  it('never buffers: events reach the client while the upstream is still sending', async () => {
    // 6 events, then the upstream holds the connection open: created, in_progress, item added, part added, 2 deltas.
    upstream.enqueue({ fault: 'never-end', events: 6, turn: { content: 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen' } });
    const controller = new AbortController();
    const res = await post('/responses', { model: 'gpt-4.1-mini', input: 'hi', stream: true }, 'key-alice', controller.signal);
    const seen: string[] = [];
    for await (const event of iterateSseEvents(res)) {
      seen.push(event.event!);
      // The first delta is out; the second stays in flight until the next event shows where its word ends.
      if (seen.length === 5) break;
    }
    controller.abort();
    expect(seen.at(-1)).toBe('response.output_text.delta');
  });
});
