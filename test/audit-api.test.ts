/**
 * The audit admin API end to end: a real gateway on loopback, the official openai SDK as client,
 * the emulated upstream, and the API read back over HTTP.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { definePlugin } from 'aurora';
import { createTestGateway, iterateSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from '../plugins/audit/index.ts';
import type { AuditSummary } from '../plugins/audit/store/audit-store.ts';
import { tempDir } from './audit/helpers.ts';
import auth from '../plugins/auth/index.ts';
import openai from '../plugins/openai/index.ts';

const MASTER = 'aurora-master-key-for-tests';
const USER = 'user-key-not-admin-1';
const UPSTREAM_KEY = 'sk-upstream-test-0123456789abcdef';

/** A second auth plugin: a non-admin principal, to check the API refuses it. */
const users = () => definePlugin({
  name: 'users',
  onAuth: (headers) => (headers.get('authorization') === `Bearer ${USER}` ? { id: 'u1', name: 'user one', admin: false } : undefined),
});

let mock: MockUpstream;
let gw: TestGateway;
let dir: Awaited<ReturnType<typeof tempDir>>;
let client: OpenAI;
const answers: Record<string, string> = {};

const api = (path: string, key: string | null = MASTER, init: RequestInit = {}) =>
  fetch(`${gw.url}/admin/api/v1${path}`, { ...init, headers: key ? { authorization: `Bearer ${key}` } : {} });

async function list(query = ''): Promise<{ data: AuditSummary[]; next_cursor: string | null }> {
  const res = await api(`/requests${query}`);
  expect(res.status).toBe(200);
  return res.json();
}

/** Records arrive after the client has its answer: wait for the count a test expects. */
function waitForRecords(count: number): Promise<void> {
  return vi.waitFor(async () => {
    if ((await list('?limit=500')).data.length < count) throw new Error(`fewer than ${count} records yet`);
  }, { timeout: 5000 });
}

beforeAll(async () => {
  dir = await tempDir();
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({
    plugins: [auth({ masterKey: MASTER }), users(), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }), audit({ dir: dir.path })],
  });
  client = new OpenAI({ baseURL: gw.baseUrl, apiKey: MASTER, maxRetries: 0 });

  mock.enqueue({ content: 'A non-stream answer about mangoes.' });
  const plain = await client.responses.create({ model: 'gpt-4.1-mini', input: 'Tell me about papayas' });
  answers.plain = plain.output_text;

  mock.enqueue({ content: 'Streaming answer about lychees.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }] });
  const stream = await client.responses.create({ model: 'gpt-5.5', input: 'Stream me something on durians', stream: true });
  for await (const _event of stream) {
    // drain
  }

  const chat = await client.chat.completions.create({ model: 'deepseek-v4-flash', messages: [{ role: 'user', content: 'chat about quinces' }], stream: true, stream_options: { include_usage: true } });
  for await (const _chunk of chat) {
    // drain
  }

  mock.enqueue({ http: { status: 429, body: { error: { message: 'Too many requests, slow down', type: 'rate_limit_error', code: 'rate_limit_exceeded' } } } });
  await client.responses.create({ model: 'gpt-4.1-mini', input: 'this one is limited' }).then(
    () => { throw new Error('expected a 429'); },
    (err: { status?: number }) => { if (err.status !== 429) throw err; },
  );

  const broken = await fetch(`${gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: '{"model": "gpt-4.1-mini", oops' });
  if (broken.status !== 400) throw new Error(`expected a 400, got ${broken.status}`);

  const asUser = new OpenAI({ baseURL: gw.baseUrl, apiKey: USER, maxRetries: 0 });
  await asUser.responses.create({ model: 'gpt-4.1-mini', input: 'a request by the user' });
  await waitForRecords(6);
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await dir?.remove();
});

describe('audit API: access', () => {
  it('401 without a key and with a wrong key, in the OpenAI error shape', async () => {
    for (const key of [null, 'wrong-key-123456']) {
      const res = await api('/requests', key);
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toContain('application/json');
      expect(await res.json()).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
    }
  });

  it('403 for a principal that is not an admin, on every route', async () => {
    for (const path of ['/requests', '/requests/x', '/stats', '/export', '/tail']) {
      const res = await api(path, USER);
      expect(res.status, path).toBe(403);
      expect((await res.json()).error.code).toBe('permission_denied');
    }
  });

  it('400 naming the parameter for a bad value', async () => {
    for (const [query, param] of [['?status=4x', 'status'], ['?limit=0', 'limit'], ['?cursor=nope', 'cursor'], ['?outcome=meh', 'outcome'], ['?from=yesterday', 'from'], ['?stream=yes', 'stream']]) {
      const res = await api(`/requests${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error).toMatchObject({ param, code: 'invalid_value' });
    }
  });
});

describe('audit API: listing', () => {
  it('lists summaries newest first, without bodies, principals without keys', async () => {
    const { data, next_cursor } = await list();
    expect(next_cursor).toBeNull();
    expect(data.map((s) => `${s.model}:${s.status}`)).toEqual(['gpt-4.1-mini:200', 'null:400', 'gpt-4.1-mini:429', 'deepseek-v4-flash:200', 'gpt-5.5:200', 'gpt-4.1-mini:200']);
    expect(data[1]).toMatchObject({ outcome: 'error', error: { code: 'invalid_json' }, provider: null });
    for (const s of data) expect(s).not.toHaveProperty('trail');
    expect(data[0]!.principal).toEqual({ id: 'u1', name: 'user one', admin: false });
    expect(JSON.stringify(data)).not.toContain(MASTER);
    expect(JSON.stringify(data)).not.toContain(UPSTREAM_KEY);
  });

  it('filters by model, status class, text, principal, stream and time range', async () => {
    const all = (await list()).data;
    const ids = async (q: string) => (await list(q)).data.map((s) => `${s.model}:${s.status}`);
    expect(await ids('?model=gpt-5.5')).toEqual(['gpt-5.5:200']);
    expect(await ids('?model=gpt-*&status=2xx')).toEqual(['gpt-4.1-mini:200', 'gpt-5.5:200', 'gpt-4.1-mini:200']);
    expect(await ids('?status=4xx')).toEqual(['null:400', 'gpt-4.1-mini:429']);
    expect(await ids('?status=429')).toEqual(['gpt-4.1-mini:429']);
    // An upstream's own error is an error outcome too, with its code and message.
    expect(await ids('?outcome=error')).toEqual(['null:400', 'gpt-4.1-mini:429']);
    expect((await list('?status=429')).data[0]).toMatchObject({ outcome: 'error', error: { code: 'rate_limit_exceeded', message: 'Too many requests, slow down' } });
    expect(await ids('?q=not+valid+json')).toEqual(['null:400']);
    expect(await ids('?q=papayas')).toEqual(['gpt-4.1-mini:200']);
    expect(await ids('?q=LYCHEES')).toEqual(['gpt-5.5:200']);
    expect(await ids('?q=exec_command')).toEqual(['gpt-5.5:200']);
    expect(await ids('?q=quinces')).toEqual(['deepseek-v4-flash:200']);
    expect(await ids('?principal=u1')).toEqual(['gpt-4.1-mini:200']);
    expect(await ids('?stream=true')).toEqual(['deepseek-v4-flash:200', 'gpt-5.5:200']);
    const [newest, , middle, , , oldest] = all;
    expect((await list(`?from=${middle!.time}&to=${newest!.time}`)).data.every((s) => s.time >= middle!.time && s.time < newest!.time)).toBe(true);
    expect((await list(`?to=${oldest!.time + 1}`)).data.map((s) => s.id)).toContain(oldest!.id);
    expect((await list(`?from=${new Date(newest!.time + 1).toISOString()}`)).data).toEqual([]);
  });

  it('pages with a cursor: every record once, in order', async () => {
    const all = (await list()).data.map((s) => s.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((s) => s.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all);
  });
});

describe('audit API: record detail', () => {
  it('a non-stream request: the four bodies, usage, and the answer read from the JSON body', async () => {
    const [summary] = (await list('?q=papayas')).data;
    const res = await api(`/requests/${summary!.id}`);
    expect(res.status).toBe(200);
    const record = await res.json();
    expect(record).toMatchObject({ id: summary!.id, endpoint: 'responses', provider: 'openai', model: 'gpt-4.1-mini', upstreamModel: 'gpt-4.1-mini', status: 200, outcome: 'ok', stream: false });
    expect(record.usage).toEqual({ input_tokens: expect.any(Number), output_tokens: expect.any(Number), total_tokens: expect.any(Number), cached_tokens: expect.any(Number), reasoning_tokens: expect.any(Number) });
    expect(record.usage.input_tokens).toBeGreaterThan(0);
    const { clientRequest, upstreamRequest, upstreamResponse, clientResponse } = record.trail;
    expect(JSON.parse(clientRequest.body.text)).toMatchObject({ model: 'gpt-4.1-mini', input: 'Tell me about papayas' });
    expect(clientRequest.headers.authorization).toBe('[redacted]');
    expect(upstreamRequest.url).toBe(`${mock.url}/v1/responses`);
    expect(JSON.parse(upstreamRequest.body.text).input).toBe('Tell me about papayas');
    expect(upstreamResponse.status).toBe(200);
    expect(clientResponse.status).toBe(200);
    expect(clientResponse.reconstructed).toEqual({ text: answers.plain, reasoning: '', toolCalls: [] });
    expect(clientResponse.events).toBeUndefined();
    expect(JSON.stringify(record)).not.toContain(MASTER);
  });

  it('a stream request: events parsed and the answer (text and tool call) reconstructed', async () => {
    const [summary] = (await list('?model=gpt-5.5')).data;
    const record = await (await api(`/requests/${summary!.id}`)).json();
    expect(record.stream).toBe(true);
    expect(record.ttfbMs).toBeGreaterThan(0);
    expect(record.usage.output_tokens).toBeGreaterThan(0);
    const { upstreamResponse, clientResponse } = record.trail;
    for (const part of [upstreamResponse, clientResponse]) {
      expect(part.events[0]).toMatchObject({ event: 'response.created', data: { type: 'response.created' } });
      expect(part.events.at(-1)).toMatchObject({ event: 'response.completed' });
      expect(part.reconstructed).toEqual({ text: 'Streaming answer about lychees.', reasoning: '', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"ls"}' }] });
    }
  });

  it('a Chat Completions stream: chunks parsed and reasoning kept apart from text', async () => {
    const [summary] = (await list('?model=deepseek-v4-flash')).data;
    const record = await (await api(`/requests/${summary!.id}`)).json();
    const { events, reconstructed } = record.trail.clientResponse;
    expect(events.at(-1)).toEqual({ event: null, data: '[DONE]' });
    expect(reconstructed.text).toContain('quinces');
    expect(reconstructed.reasoning).toBe('Considering the request.');
    expect(record.usage.reasoning_tokens).toBeGreaterThanOrEqual(0);
  });

  it('404 for an unknown id', async () => {
    const res = await api('/requests/req_doesnotexist');
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatchObject({ code: 'unknown_url', param: 'id' });
  });
});

describe('audit API: stats, export, tail', () => {
  it('stats: buckets over the range and groups', async () => {
    const now = Date.now();
    const res = await api(`/stats?from=${now - 3_600_000}&to=${now + 60_000}&bucket=minute&group=model`);
    expect(res.status).toBe(200);
    const stats = await res.json();
    expect(stats.buckets).toHaveLength(62);
    expect(stats.buckets.reduce((n: number, b: { requests: number }) => n + b.requests, 0)).toBe(6);
    expect(stats.buckets.reduce((n: number, b: { errors: number }) => n + b.errors, 0)).toBe(2);
    expect(stats.groups[0]).toMatchObject({ key: 'gpt-4.1-mini', requests: 3, errors: 1 });
    expect(stats.groups[0].input_tokens).toBeGreaterThan(0);
    const byProvider = await (await api('/stats?group=provider')).json();
    // Default range: the last 24 hours, so 25 hourly buckets unless now is exactly on the hour.
    expect(byProvider.buckets.length).toBeGreaterThanOrEqual(24);
    expect(byProvider.buckets.length).toBeLessThanOrEqual(25);
    expect(byProvider.groups).toEqual([expect.objectContaining({ key: 'openai', requests: 5, errors: 1 }), expect.objectContaining({ key: null, requests: 1, errors: 1 })]);
    expect((await api('/stats?bucket=week')).status).toBe(400);
  });

  it('export as JSON lines and CSV, as an attachment', async () => {
    const jsonl = await api('/export?format=jsonl');
    expect(jsonl.headers.get('content-disposition')).toMatch(/^attachment; filename="aurora-audit-\d{8}T\d{6}Z\.jsonl"$/);
    const lines = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual((await list()).data.map((s) => s.id));

    const csv = await api('/export?format=csv&status=4xx');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/\.csv"$/);
    const rows = (await csv.text()).trim().split('\r\n');
    expect(rows[0]).toBe('id,time,duration_ms,ttfb_ms,method,path,endpoint,principal,model,provider,upstream_model,status,outcome,stream,error_code,error_message,input_tokens,cached_tokens,output_tokens,reasoning_tokens,cost_usd,unpriced,annotations');
    expect(rows).toHaveLength(3);
    expect(rows[1]).toMatch(/,400,error,false,invalid_json,Request body is not valid JSON: [^,]*,,,,,,false,$/);
    expect(rows[2]).toContain(',gpt-4.1-mini,openai,gpt-4.1-mini,429,error,false,rate_limit_exceeded,"Too many requests, slow down",');
    expect((await api('/export?format=xml')).status).toBe(400);
  });

  it('live tail: a record for a request sent after subscribing, before it is on disk', async () => {
    const aborter = new AbortController();
    const res = await fetch(`${gw.url}/admin/api/v1/tail?model=gpt-4.1-mini`, { headers: { authorization: `Bearer ${MASTER}` }, signal: aborter.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = iterateSseEvents(res);
    const sent = client.responses.create({ model: 'gpt-5.5', input: 'not this one' })
      .then(() => client.responses.create({ model: 'gpt-4.1-mini', input: 'tail me' }));
    const { value } = await events.next();
    await sent;
    expect(value).toMatchObject({ event: 'record', json: { model: 'gpt-4.1-mini', status: 200, outcome: 'ok' } });
    expect(value!.json).not.toHaveProperty('trail');
    // Going away ends the subscription (else afterAll's close() would wait out the 30 s drain).
    aborter.abort();
  });
});
