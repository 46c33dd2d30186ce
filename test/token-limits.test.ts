/**
 * A managed key's tpm limit, end to end against the emulated upstream: tokens count whichever way a
 * response ends (the usage the upstream reported, else an estimate from the bytes that went
 * through), and concurrent requests are admitted against the tokens reserved by those still in
 * flight. Every case runs on the in-memory limiter and on the PostgreSQL one.
 *
 * The rule the bounds below come from (plugins/auth/README.md, "Limits"): a request reserves
 * ceil(request body bytes / 4) tokens (plus its max output tokens when it sets them) once its body
 * is read, and is refused while the window's tokens plus the reservations in flight are at or over
 * tpm. So when every request uses at least what it reserved, at most ceil(tpm / reserved) of them
 * are admitted in a window, however they overlap.
 */
import { rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestGateway, iterateSseEvents, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import { GatewayError, type AuditRecord, type Plugin } from 'aurora';
import auth, { postgresKeyStore, type AuthOptions } from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import { testSchemas, type TestSchemas } from './postgres-database.ts';
import { MASTER_KEY, UPSTREAM_KEY, closedPort, post, tempDir } from './helpers.ts';

const KEYS = '/admin/api/v1/keys';
/** Answers at once. */
let mock: MockUpstream;
/** 40 ms between streamed events, so parallel streams are all in flight together. */
let slow: MockUpstream;
let schemas: TestSchemas | undefined;
// Created on first use: without AURORA_TEST_PG_URL the PostgreSQL cases fail with the message saying how to start one.
const db = () => (schemas ??= testSchemas());
const cleanup: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  slow = await startMockUpstream({ apiKey: UPSTREAM_KEY, chunkDelayMs: 40 });
});
afterAll(async () => {
  await mock.close();
  await slow.close();
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  await schemas?.dropAll();
  schemas = undefined;
  mock.reset();
  slow.reset();
});

const STORES: Array<[string, () => Promise<AuthOptions>]> = [
  ['in-memory limiter', async () => {
    const dir = await tempDir('aurora-tpm-');
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return { dir };
  }],
  ['PostgreSQL limiter', async () => ({ store: postgresKeyStore({ url: db().url, schema: db().create() }) })],
];

/** Tokens a request reserves at admission: ceil(bytes / 4) of its body (none of these set max output tokens). */
const reservedFor = (body: string) => Math.ceil(Buffer.byteLength(body) / 4);

const chatBody = JSON.stringify({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Reply with exactly ok' }], stream: true });
const responsesStream = JSON.stringify({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok', stream: true });

describe.each(STORES)('tpm on a managed key, %s', (_name, storeOptions) => {
  async function gateway(upstream: MockUpstream, extra: Plugin[] = []): Promise<TestGateway> {
    const gw = await createTestGateway({
      plugins: [
        auth({ masterKey: MASTER_KEY, ...(await storeOptions()) }),
        openai({ baseUrl: `${upstream.url}/v1`, apiKey: UPSTREAM_KEY, models: ['gpt-*'] }),
        ...extra,
      ],
    });
    cleanup.push(() => gw.close());
    return gw;
  }

  async function createKey(gw: TestGateway, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
    const res = await fetch(`${gw.url}${KEYS}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return res.json();
  }

  async function expectTokenLimit(res: Response, tpm: number): Promise<void> {
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await res.json();
    expect(body.error.code).toBe('rate_limit_exceeded');
    expect(body.error.message).toContain(`${tpm} tokens per minute`);
  }

  it('counts Chat streams whose client never asks for usage, never shows that client a usage chunk, and answers 429 with Retry-After once tpm is reached', async () => {
    const gw = await gateway(mock);
    const tpm = 50;
    const { key } = await createKey(gw, { name: 'chat-stream', tpm });
    let admitted = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 15; i++) {
      const res = await post(`${gw.baseUrl}/chat/completions`, chatBody, { key });
      if (res.status === 429) {
        refused = res;
        break;
      }
      expect(res.status, await res.clone().text()).toBe(200);
      admitted++;
      const chunks = (await readSseEvents(res)).filter((e) => e.json !== undefined);
      expect(chunks.length).toBeGreaterThan(0);
      for (const chunk of chunks) {
        // A usage-only chunk has no choices; the client did not ask for one.
        expect(chunk.json.choices, chunk.data).not.toEqual([]);
        expect(chunk.json.usage ?? null, chunk.data).toBeNull();
      }
      // The gateway asked the upstream for the usage the client did not ask for.
      expect(mock.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    }
    expect(refused, `${admitted} of 15 Chat streams admitted with tpm=${tpm}`).toBeDefined();
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(Math.ceil(tpm / reservedFor(chatBody)));
    await expectTokenLimit(refused!, tpm);
    // The window stays full: the next ones are refused too, before anything goes upstream.
    const sent = mock.requests.length;
    for (let i = 0; i < 3; i++) await expectTokenLimit(await post(`${gw.baseUrl}/chat/completions`, chatBody, { key }), tpm);
    expect(mock.requests.length).toBe(sent);
  });

  it('counts streams the client abandons after the first events by the bytes that went through, and refuses once they fill tpm', async () => {
    const records: AuditRecord[] = [];
    const gw = await gateway(mock, [{ name: 'spy', onAudit: (record) => void records.push(record) }]);
    const tpm = 200;
    const { key } = await createKey(gw, { name: 'hang-up', tpm });
    let admitted = 0;
    let refused: Response | undefined;
    for (let i = 0; i < 10; i++) {
      // Three events, then the upstream stays open: response.completed (and its usage) never comes.
      mock.enqueue({ fault: 'never-end', events: 3 });
      const hangUp = new AbortController();
      const res = await post(`${gw.baseUrl}/responses`, responsesStream, { key, signal: hangUp.signal });
      if (res.status === 429) {
        refused = res;
        break;
      }
      expect(res.status).toBe(200);
      admitted++;
      const events = iterateSseEvents(res);
      const first = await events.next();
      expect(first.value?.json?.type).toBe('response.created');
      hangUp.abort();
      await events.return(undefined).catch(() => undefined);
    }
    expect(refused, `${admitted} of 10 abandoned streams admitted with tpm=${tpm}`).toBeDefined();
    expect(admitted).toBeGreaterThanOrEqual(1);
    expect(admitted).toBeLessThanOrEqual(Math.ceil(tpm / reservedFor(responsesStream)));
    await expectTokenLimit(refused!, tpm);

    // Those streams ended with no usage: what held the key back is the estimate of what went through.
    await vi.waitFor(() => expect(records.filter((r) => r.outcome === 'client_closed')).toHaveLength(admitted));
    for (const record of records.filter((r) => r.outcome === 'client_closed')) {
      expect(record.usage).toBeNull();
      expect(record.responseBytes).toBeGreaterThan(0);
    }
    // A whole, non-streamed request is refused as well while the estimate is in the window.
    const plain = JSON.stringify({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok' });
    await expectTokenLimit(await post(`${gw.baseUrl}/responses`, plain, { key }), tpm);
  });

  it('admits parallel streams against the tokens reserved by those in flight: of 100 at once with tpm=100, at most ceil(tpm / reserved) run', async () => {
    const gw = await gateway(slow);
    const tpm = 100;
    const { key } = await createKey(gw, { name: 'burst', tpm });
    const results = await Promise.all(Array.from({ length: 100 }, async () => {
      const res = await post(`${gw.baseUrl}/responses`, responsesStream, { key });
      if (res.status !== 200) return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
      const completed = (await readSseEvents(res)).find((e) => e.json?.type === 'response.completed');
      return { status: 200, tokens: completed?.json.response.usage.total_tokens as number };
    }));
    const admitted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(admitted.length + refused.length).toBe(100);

    const reserved = reservedFor(responsesStream);
    const bound = Math.ceil(tpm / reserved);
    expect(admitted.length).toBeGreaterThanOrEqual(1);
    expect(admitted.length, `${admitted.length} admitted, each reserving ${reserved} of ${tpm}`).toBeLessThanOrEqual(bound);
    // The bound holds because each request used at least what it reserved (its prompt alone is bytes / 4 here).
    const tokens = admitted.map((r) => r.tokens!);
    expect(Math.min(...tokens)).toBeGreaterThanOrEqual(reserved);
    const used = tokens.reduce((a, b) => a + b, 0);
    expect(used).toBeLessThanOrEqual(bound * Math.max(...tokens));
    for (const r of refused) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(r.body.error.message).toContain(`${tpm} tokens per minute`);
    }
    // Only the admitted ones reached the upstream.
    expect(slow.requests).toHaveLength(admitted.length);
  });

  it('holds no tokens for requests refused or failed before they reached the upstream', async () => {
    const down = await closedPort();
    const gatekeeper: Plugin = {
      name: 'gatekeeper',
      transformRequest(request, ctx) {
        if (ctx.body?.input === 'blocked') throw new GatewayError('AURORA_ERR_INVALID_PARAM', { message: 'refused by policy', param: 'input' });
        return request;
      },
    };
    const gw = await gateway(mock, [openai({ name: 'down', baseUrl: `http://127.0.0.1:${down}/v1`, apiKey: UPSTREAM_KEY, models: ['down-*'] }), gatekeeper]);
    const blocked = JSON.stringify({ model: 'gpt-4.1-mini', input: 'blocked' });
    const unreachable = JSON.stringify({ model: 'down-model', input: 'Reply with exactly ok' });
    // Two reservations left behind would fill this.
    const tpm = 2 * Math.max(reservedFor(blocked), reservedFor(unreachable));
    const { key } = await createKey(gw, { name: 'careful', tpm });
    for (let i = 0; i < 5; i++) {
      expect((await post(`${gw.baseUrl}/responses`, blocked, { key })).status).toBe(400);
      expect((await post(`${gw.baseUrl}/responses`, unreachable, { key })).status).toBe(502);
    }
    expect(mock.requests).toHaveLength(0);
    const ok = await post(`${gw.baseUrl}/responses`, JSON.stringify({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok' }), { key });
    expect(ok.status, await ok.clone().text()).toBe(200);
  });
});
