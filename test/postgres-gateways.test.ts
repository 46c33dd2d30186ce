/**
 * Several gateways, one PostgreSQL (AURORA_TEST_PG_URL; see scripts/postgres.sh): two gateways in
 * this process, then a `node core` child beside one of them, all on one database. Limits hold
 * whichever gateway a request reaches; every gateway's admin API shows every gateway's records.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTestGateway, iterateSseEvents, type TestGateway } from 'aurora/testing';
import audit, { postgresAuditStore } from '../plugins/audit/index.ts';
import type { AuditSummary } from '../plugins/audit/store/audit-store.ts';
import auth, { postgresKeyStore } from '../plugins/auth/index.ts';
import openai from '../plugins/openai/index.ts';
import { testSchemas, type TestSchemas } from './postgres-database.ts';
import { emulatedUpstream, MASTER_KEY, SEED, buildIfStale, UPSTREAM_KEY, post, startCore, tempDir, writeConfig, type RunningCore } from './helpers.ts';

const upstream = emulatedUpstream();
let schemas: TestSchemas | undefined;
// Created on first use: without AURORA_TEST_PG_URL every test fails with the message saying how to start one.
const db = () => (schemas ??= testSchemas());
const cleanup: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
  await schemas?.dropAll();
  schemas = undefined;
});

/** A gateway as each instance behind a load balancer would run: keys, limits and audit in PostgreSQL. */
async function gateway(schema: string, pollMs = 100): Promise<TestGateway> {
  const url = db().url;
  const gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, store: postgresKeyStore({ url, schema, maxConnections: 3, pollMs }) }),
      openai({ baseUrl: `${upstream.mock.url}/v1`, apiKey: UPSTREAM_KEY }),
      audit({ store: postgresAuditStore({ url, schema, maxConnections: 3, flushIntervalMs: 20 }) }),
    ],
  });
  cleanup.push(() => gw.close());
  return gw;
}

function admin(base: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  return fetch(`${base}/admin/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${MASTER_KEY}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });
}

async function createKey(base: string, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await admin(base, '/keys', { method: 'POST', body });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const ask = (base: string, key: string, input = SEED.input) => post(`${base}/v1/responses`, { ...SEED, input }, { key });

async function requests(base: string, query = ''): Promise<AuditSummary[]> {
  const res = await admin(base, `/requests?limit=500${query}`);
  expect(res.status).toBe(200);
  return (await res.json()).data;
}

describe('two gateways on one database', () => {
  it('an rpm-3 key gets its 4th request refused whichever gateway it reaches', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const { key } = await createKey(a.url, { name: 'shared-limit', rpm: 3 });
    expect((await ask(a.url, key)).status).toBe(200);
    expect((await ask(b.url, key)).status).toBe(200); // b has never seen the key: it looks it up
    expect((await ask(a.url, key)).status).toBe(200);
    for (const gw of [b, a]) {
      const refused = await ask(gw.url, key);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await refused.json()).error.code).toBe('rate_limit_exceeded');
    }
    // Another key is not affected, on either gateway.
    const other = await createKey(b.url, { name: 'other', rpm: 3 });
    expect((await ask(a.url, other.key)).status).toBe(200);
  });

  it('tokens used through one gateway count against the key’s tpm on the other', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const { key } = await createKey(a.url, { name: 'thrifty', tpm: 5 });
    const first = await ask(a.url, key);
    expect(first.status).toBe(200);
    expect((await first.json()).usage.total_tokens).toBeGreaterThan(5);
    await vi.waitFor(async () => expect((await ask(b.url, key)).status).toBe(429), { timeout: 3000 });
  });

  it('a key revoked through one gateway is refused by the other within a poll', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const { key, id } = await createKey(a.url, { name: 'leaving' });
    expect((await ask(b.url, key)).status).toBe(200);
    expect((await admin(a.url, `/keys/${id}`, { method: 'DELETE' })).status).toBe(200);
    await vi.waitFor(async () => expect((await ask(b.url, key)).status).toBe(401), { timeout: 3000 });
    const listed = await (await admin(b.url, '/keys')).json();
    expect(listed.data.map((k: { id: string; status: string }) => [k.id, k.status])).toEqual([[id, 'revoked']]);
  });

  it('each gateway’s admin API lists, opens, counts and exports the records of both', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    expect((await ask(a.url, MASTER_KEY, 'asked through gateway alpha')).status).toBe(200);
    expect((await ask(b.url, MASTER_KEY, 'asked through gateway beta')).status).toBe(200);
    for (const gw of [a, b]) {
      await vi.waitFor(async () => expect(await requests(gw.url)).toHaveLength(2), { timeout: 5000 });
      const [alpha] = await requests(gw.url, '&q=alpha');
      const [beta] = await requests(gw.url, '&q=beta');
      expect(alpha && beta).toBeTruthy();
      const detail = await (await admin(gw.url, `/requests/${gw === a ? beta!.id : alpha!.id}`)).json();
      expect(detail.trail.clientRequest.body.text).toContain(gw === a ? 'gateway beta' : 'gateway alpha');
      expect(detail.trail.clientRequest.headers.authorization).toBe('[redacted]');
      const stats = await (await admin(gw.url, `/stats?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&bucket=hour`)).json();
      expect(stats.groups).toEqual([expect.objectContaining({ key: SEED.model, requests: 2, errors: 0 })]);
      const exported = await (await admin(gw.url, '/export?format=jsonl')).text();
      expect(exported.trim().split('\n')).toHaveLength(2);
      const page = await fetch(`${gw.url}/admin/dashboard/audit`);
      expect(page.status).toBe(200);
    }
  });

  it('the live tail of one gateway shows the requests the other serves', async () => {
    const schema = db().create();
    const [a, b] = await Promise.all([gateway(schema), gateway(schema)]);
    const abort = new AbortController();
    cleanup.push(async () => abort.abort());
    const tail = await fetch(`${a.url}/admin/api/v1/tail?q=gamma`, { headers: { authorization: `Bearer ${MASTER_KEY}` }, signal: abort.signal });
    expect(tail.status).toBe(200);
    const events = iterateSseEvents(tail);
    // The tail follows the other gateway once its LISTEN is in place: send until a record arrives.
    const sending = (async () => {
      for (let i = 0; i < 50 && !abort.signal.aborted; i++) {
        expect((await ask(b.url, MASTER_KEY, `asked through gateway gamma ${i}`)).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    let seen: AuditSummary | undefined;
    for await (const event of events) {
      if (event.event !== 'record') continue;
      seen = event.json;
      break;
    }
    abort.abort();
    await sending.catch(() => {});
    expect(seen?.model).toBe(SEED.model);
    const listed = await requests(b.url, '&q=gamma');
    expect(listed.map((r) => r.id)).toContain(seen!.id);
  });
});

/**
 * A `node core` child with the PostgreSQL key and audit stores, and an in-process gateway on the
 * same schema: two processes sharing one database.
 */
async function coreBesideInProcess(prefix: string): Promise<{ core: RunningCore; inProcess: Awaited<ReturnType<typeof gateway>> }> {
  buildIfStale();
  const schema = db().create();
  const dir = await tempDir(prefix);
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const config = await writeConfig(dir, `import { defineConfig } from 'aurora';
import auth, { postgresKeyStore } from 'aurora/plugins/auth';
import audit, { postgresAuditStore } from 'aurora/plugins/audit';
import openai from 'aurora/plugins/openai';
const url = process.env.AURORA_DATABASE_URL;
export default defineConfig({
  server: { port: 0 },
  plugins: [
    auth({ store: postgresKeyStore({ url, schema: ${JSON.stringify(schema)}, pollMs: 100 }) }),
    openai({ baseUrl: '${upstream.mock.url}/v1', apiKey: '${UPSTREAM_KEY}' }),
    audit({ store: postgresAuditStore({ url, schema: ${JSON.stringify(schema)}, flushIntervalMs: 20 }) }),
  ],
});
`);
  const core = await startCore(['--config', config], { AURORA_MASTER_KEY: MASTER_KEY, AURORA_DATABASE_URL: db().url }, dir);
  const inProcess = await gateway(schema);
  return { core, inProcess };
}

describe('a node core process beside an in-process gateway', () => {
  let core: RunningCore | undefined;
  afterEach(() => {
    core?.child.kill('SIGKILL');
    core = undefined;
  });

  it('shares keys, limits and the audit trail across processes', async () => {
    const started = await coreBesideInProcess('aurora-pg-core-');
    core = started.core;
    const { inProcess } = started;
    const { key } = await createKey(core.url, { name: 'two-processes', rpm: 2 });
    expect((await ask(inProcess.url, key, 'first, in process')).status).toBe(200);
    expect((await ask(core.url, key, 'second, in the child')).status).toBe(200);
    expect((await ask(inProcess.url, key)).status).toBe(429);
    expect((await ask(core.url, key)).status).toBe(429);
    for (const base of [core.url, inProcess.url]) {
      await vi.waitFor(async () => {
        const statuses = (await requests(base)).map((r) => r.status).sort();
        expect(statuses).toEqual([200, 200, 429, 429]);
      }, { timeout: 5000 });
    }
    // A clean stop writes what the child still held.
    core.child.kill('SIGTERM');
    expect(await core.exited).toBe(0);
  });
});

describe('a budget shared by a node core process and an in-process gateway', () => {
  let core: RunningCore | undefined;
  afterEach(() => {
    core?.child.kill('SIGKILL');
    core = undefined;
  });

  it('the request that crosses the daily budget is served, whichever gateway; the next is refused on both: one request of overshoot at most', async () => {
    const started = await coreBesideInProcess('aurora-pg-budget-');
    core = started.core;
    const { inProcess } = started;
    const { key, id } = await createKey(core.url, { name: 'shared-budget', budgetDay: 1 });
    // Each request costs $0.56 on gpt-4.1-mini: 1,000,000 × $0.40 + 100,000 × $1.60 per million.
    const spend = async (base: string, input: string) => {
      upstream.mock.enqueue({ content: 'spent', usage: { prompt_tokens: 1_000_000, prompt_cache_hit_tokens: 0, completion_tokens: 100_000 }, match: (r) => r.body?.input === input });
      return ask(base, key, input);
    };
    const spent = async (base: string) => (await (await admin(base, `/keys/${id}`)).json()).spend.day as number;
    expect((await spend(core.url, 'first, in the child')).status).toBe(200);
    // Spend is counted when a request ends, in the database: wait until the other gateway sees it.
    await vi.waitFor(async () => expect(await spent(inProcess.url)).toBeCloseTo(0.56, 10), { timeout: 5000 });
    expect((await spend(inProcess.url, 'second, in process')).status).toBe(200); // starts at $0.56 < $1: served
    await vi.waitFor(async () => expect(await spent(core!.url)).toBeCloseTo(1.12, 10), { timeout: 5000 });
    for (const base of [core.url, inProcess.url]) {
      const refused = await spend(base, 'third');
      expect(refused.status).toBe(429);
      const { error } = await refused.json();
      expect(error.code).toBe('budget_exceeded');
      expect(error.message).toContain(`This API key (${id}) has spent $1.12 of its daily budget of $1.00 (UTC day)`);
    }
    // At most one request's cost over the limit ($1 + $0.56), and both gateways' audit trails price it.
    expect(await spent(inProcess.url)).toBeLessThanOrEqual(1 + 0.56);
    await vi.waitFor(async () => {
      const stats = await (await admin(inProcess.url, `/stats?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&bucket=hour&group=principal`)).json();
      // The two refusals are the key's too: four requests, two of them errors, $1.12.
      expect(stats.groups.find((g: { key: string }) => g.key === id)).toMatchObject({ requests: 4, errors: 2, cost_usd: expect.closeTo(1.12, 10) });
    }, { timeout: 5000 });
    core.child.kill('SIGTERM');
    expect(await core.exited).toBe(0);
  });
});

describe('when the database goes away', () => {
  it('a managed key the gateway has not seen yet gets 503 store_unavailable with Retry-After, not a 500', async () => {
    const schema = db().create();
    // a does not poll for new keys during the test: it must ask the database when the key is used.
    const a = await gateway(schema, 600_000);
    const b = await gateway(schema);
    const { key } = await createKey(b.url, { name: 'late' });
    await db().query(`DROP SCHEMA "${schema}" CASCADE`);
    const res = await ask(a.url, key);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect((await res.json()).error).toMatchObject({ code: 'store_unavailable', type: 'server_error' });
    // The master key does not depend on the store.
    expect((await post(`${a.url}/v1/responses`, SEED)).status).not.toBe(503);
  });
});
