/**
 * What requests cost, end to end through the emulated upstream: the cost of each in its audit
 * record, the lists, the stats, the CSV and /metrics (OpenAI, DeepSeek through its translator,
 * Anthropic's Messages passed through, a model without a price, a free one); then budgets on the
 * file store — the crossing request served and the next refused, streams in flight finishing, the
 * master key's budget, the admin API, and spend surviving a restart.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, definePlugin, type AuroraConfig, type Plugin, type SseEvent } from 'aurora';
import { createTestGateway, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import anthropic from '../plugins/anthropic/index.ts';
import audit from '../plugins/audit/index.ts';
import type { AuditSummary } from '../plugins/audit/store/audit-store.ts';
import auth from '../plugins/auth/index.ts';
import { nextUtcDay, nextUtcMonth } from '../plugins/auth/spend.ts';
import deepseek from '../plugins/deepseek/index.ts';
import openai from '../plugins/openai/index.ts';
import { MASTER_KEY, post, UPSTREAM_KEY } from './helpers.ts';

let mock: MockUpstream;
let tmp: string;
const gateways: TestGateway[] = [];

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  tmp = await mkdtemp(join(tmpdir(), 'aurora-costs-'));
});
afterAll(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
  await mock?.close();
  await rm(tmp, { recursive: true, force: true });
});

/**
 * Holds the last event of a stream whose input is `hold: <name>` until `release(name)`: a request
 * still in flight, deterministically, while others start and end.
 */
function holdStreams(): { plugin: Plugin; release(name: string): void } {
  const gates = new Map<string, () => void>();
  const waits = new Map<string, Promise<void>>();
  const gate = (name: string) => {
    if (!waits.has(name)) waits.set(name, new Promise<void>((resolve) => gates.set(name, resolve)));
    return waits.get(name)!;
  };
  const held = (input: unknown) => (typeof input === 'string' && input.startsWith('hold: ') ? input.slice(6) : undefined);
  return {
    release: (name) => {
      void gate(name);
      gates.get(name)!();
    },
    plugin: definePlugin({
      name: 'hold',
      transformStream: {
        filter: (ctx) => held(ctx.body?.input) !== undefined,
        handler: (stream, ctx) => stream.pipeThrough(new TransformStream<SseEvent, SseEvent>({
          async transform(event, out) {
            if (event.event === 'response.completed') await gate(held(ctx.body?.input)!);
            out.enqueue(event);
          },
        })),
      },
    }),
  };
}

async function gateway(name: string, config: AuroraConfig & { plugins: Plugin[] }): Promise<TestGateway> {
  const gw = await createTestGateway(config);
  gateways.push(gw);
  void name;
  return gw;
}

const admin = (gw: TestGateway, path: string, init: { method?: string; body?: unknown } = {}) =>
  fetch(`${gw.url}/admin/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${MASTER_KEY}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
    body: init.body ? JSON.stringify(init.body) : undefined,
  });

async function createKey(gw: TestGateway, body: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await admin(gw, '/keys', { method: 'POST', body });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

async function records(gw: TestGateway, query = ''): Promise<AuditSummary[]> {
  const res = await admin(gw, `/requests?limit=500${query}`);
  expect(res.status).toBe(200);
  return (await res.json()).data;
}

/** $0.56 on gpt-4.1-mini: 1,000,000 × $0.40 + 100,000 × $1.60 = 400,000 + 160,000 per million. */
const COSTS_56_CENTS = { prompt_tokens: 1_000_000, prompt_cache_hit_tokens: 0, completion_tokens: 100_000, reasoning_tokens: 0 };

describe('cost per request', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await gateway('costs', {
      // DeepSeek, Anthropic and OpenAI bring their own tables; `local-*` served by the catch-all
      // costs nothing because the config says so.
      prices: { 'local-*': 'free' },
      plugins: [
        auth({ masterKey: MASTER_KEY, dir: join(tmp, 'costs-auth') }),
        deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
        anthropic({ apiKey: UPSTREAM_KEY, baseUrl: `${mock.url}/v1` }),
        openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
        audit({ dir: join(tmp, 'costs-audit'), flushIntervalMs: 20 }),
      ],
    });
  });

  it('is in the audit record, the list, the stats, the CSV and /metrics; a model without a price is unpriced, never free', async () => {
    // OpenAI: (10,000 − 6,000) × $0.40 + 6,000 × $0.10 + 2,000 × $1.60 = 1,600 + 600 + 3,200 = 5,400 per million → $0.0054
    mock.enqueue({ content: 'priced', usage: { prompt_tokens: 10_000, prompt_cache_hit_tokens: 6000, completion_tokens: 2000, reasoning_tokens: 300 } });
    expect((await post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input: 'openai priced' }, { key: MASTER_KEY })).status).toBe(200);
    // DeepSeek through its Responses translator, streamed:
    // 10,000 × $0.435 + 90,000 × $0.003625 + 5,000 × $0.87 = 4,350 + 326.25 + 4,350 = 9,026.25 per million → $0.00902625
    mock.enqueue({ content: 'priced too', usage: { prompt_tokens: 100_000, prompt_cache_hit_tokens: 90_000, completion_tokens: 5000, reasoning_tokens: 4000 } });
    const ds = await post(`${gw.url}/v1/responses`, { model: 'deepseek-v4-pro', input: 'deepseek priced', stream: true }, { key: MASTER_KEY });
    await readSseEvents(ds);
    // Anthropic, a Messages stream passed through: its input excludes cache reads (20,000) and writes (4,000):
    // 50 × $3 + 4,000 × $3.75 + 20,000 × $0.30 + 1,000 × $15 = 150 + 15,000 + 6,000 + 15,000 = 36,150 per million → $0.03615
    mock.enqueue({ content: 'cached', usage: { prompt_tokens: 24_050, prompt_cache_hit_tokens: 20_000, cache_creation_tokens: 4000, completion_tokens: 1000 } });
    const messages = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': MASTER_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 1024, stream: true, messages: [{ role: 'user', content: 'anthropic priced' }] }),
    });
    expect(messages.status).toBe(200);
    await readSseEvents(messages);
    mock.enqueue({ content: 'who knows', usage: { prompt_tokens: 500, completion_tokens: 50 } });
    expect((await post(`${gw.url}/v1/responses`, { model: 'mystery-model', input: 'not priced' }, { key: MASTER_KEY })).status).toBe(200);
    mock.enqueue({ content: 'on the house', usage: { prompt_tokens: 500, completion_tokens: 50 } });
    expect((await post(`${gw.url}/v1/responses`, { model: 'local-llama', input: 'free' }, { key: MASTER_KEY })).status).toBe(200);
    // A request that never reached a provider has no usage, hence no cost, and is not unpriced.
    expect((await post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input: 'no key' }, { key: 'wrong-key-123' })).status).toBe(401);

    let listed: AuditSummary[] = [];
    await expect.poll(async () => (listed = await records(gw)).length).toBe(6);
    const by = (model: string | null) => listed.find((r) => r.model === model)!;
    expect(by('gpt-4.1-mini').cost).toBeCloseTo(0.0054, 12);
    expect(by('deepseek-v4-pro').cost).toBeCloseTo(0.00902625, 12);
    expect(by('claude-sonnet-4-5')).toMatchObject({ unpriced: false, usage: { input_tokens: 24_050, cached_tokens: 20_000, cache_creation_tokens: 4000, output_tokens: 1000 } });
    expect(by('claude-sonnet-4-5').cost).toBeCloseTo(0.03615, 12);
    expect(by('mystery-model')).toMatchObject({ cost: null, unpriced: true, usage: { input_tokens: 500 } });
    // The id each answer carried: the upstream's on a passthrough, the translator's on DeepSeek.
    expect(by('gpt-4.1-mini').answerId).toMatch(/^resp_/);
    expect(by('deepseek-v4-pro').answerId).toMatch(/^resp_/);
    expect(by('claude-sonnet-4-5').answerId).toMatch(/^msg_/);
    expect(by(null).answerId).toBeNull();
    expect(by('local-llama')).toMatchObject({ cost: 0, unpriced: false });
    expect(by(null)).toMatchObject({ status: 401, cost: null, unpriced: false });

    const detail = await (await admin(gw, `/requests/${by('deepseek-v4-pro').id}`)).json();
    expect(detail.cost).toBeCloseTo(0.00902625, 12);

    const stats = await (await admin(gw, `/stats?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}&bucket=day&group=provider`)).json();
    const group = (key: string) => stats.groups.find((g: { key: string }) => g.key === key);
    expect(group('openai')).toMatchObject({ requests: 3, unpriced: 1 }); // gpt-4.1-mini, mystery-model, local-llama
    expect(group('openai').cost_usd).toBeCloseTo(0.0054, 12);
    expect(group('deepseek').cost_usd).toBeCloseTo(0.00902625, 12);
    expect(stats.buckets.reduce((sum: number, b: { cost_usd: number }) => sum + b.cost_usd, 0)).toBeCloseTo(0.0054 + 0.00902625 + 0.03615, 12);

    const csv = (await (await admin(gw, '/export?format=csv&model=mystery-model')).text()).trim().split('\r\n');
    expect(csv[0]).toContain(',reasoning_tokens,cost_usd,unpriced,annotations');
    expect(csv[1]).toMatch(/,500,\d+,50,\d+,,true,$/);
    const priced = (await (await admin(gw, '/export?format=csv&model=gpt-4.1-mini')).text()).trim().split('\r\n');
    expect(priced[1]).toMatch(/,10000,6000,2000,300,0\.0054\d*,false,$/);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    const sample = (name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(sample('aurora_cost_usd_total', 'provider="openai",model="gpt-4.1-mini"')).toBeCloseTo(0.0054, 12);
    expect(sample('aurora_cost_usd_total', 'provider="anthropic",model="claude-sonnet-4-5"')).toBeCloseTo(0.03615, 12);
    expect(sample('aurora_unpriced_requests_total', 'provider="openai",model="mystery-model"')).toBe(1);
    expect(sample('aurora_cost_usd_total', 'provider="openai",model="local-llama"')).toBe(0);
    expect(metrics).not.toMatch(/^aurora_unpriced_requests_total\{[^}]*local-llama/m);
  });

  it('refuses a config whose prices are not prices, naming the field', async () => {
    await expect(createGateway({ prices: { 'gpt-x': { input: -1, output: 2 } as never } })).rejects.toThrow(/config\.prices\.gpt-x/);
    await expect(createGateway({ prices: { 'gpt-x': { input: 1 } as never } })).rejects.toThrow(/output/);
    await expect(createGateway({ prices: { 'gpt-x': 'gratis' as never } })).rejects.toThrow(/config\.prices\.gpt-x/);
    const ok = await createGateway({ prices: { 'gpt-x': 'free', 'gpt-y': { input: 1, output: 2, cachedInput: 0.1, cacheWrite: 1.25, cacheWrite1h: 2, source: 'internal rate card', date: '2026-12-01' } } });
    await ok.close();
  });
});

describe('budgets (file store)', () => {
  let gw: TestGateway;
  const held = holdStreams();
  const dir = () => join(tmp, 'budget-auth');
  const plugins = (extra: Plugin[] = []) => [
    auth({ masterKey: MASTER_KEY, dir: dir() }),
    ...extra,
    openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }),
  ];
  beforeAll(async () => {
    gw = await gateway('budgets', { plugins: plugins([held.plugin]) });
  });

  const ask = (key: string, input = 'spend') => {
    mock.enqueue({ content: 'spent', usage: COSTS_56_CENTS, match: (r) => r.body?.input === input });
    return post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input }, { key });
  };

  it('serves the request that crosses the daily budget and refuses the next, saying which limit and when it resets', async () => {
    const { key, id } = await createKey(gw, { name: 'capped', budgetDay: 1 });
    expect((await ask(key)).status).toBe(200); // $0.56
    expect((await ask(key)).status).toBe(200); // starts at $0.56 < $1: served, ends at $1.12
    const before = mock.requests.length;
    const refused = await ask(key);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    expect(refused.headers.get('retry-after')).toBeNull();
    const reset = nextUtcDay(Date.now());
    expect(await refused.json()).toEqual({
      error: {
        message: `This API key (${id}) has spent $1.12 of its daily budget of $1.00 (UTC day); it resets at ${new Date(reset).toISOString()}.`,
        type: 'usage_limit_reached',
        param: null,
        code: 'budget_exceeded',
        resets_at: reset / 1000,
      },
    });
    expect(mock.requests.length).toBe(before); // nothing went upstream
    // Listing models and the admin API are not spending.
    expect((await fetch(`${gw.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    const listed = await (await admin(gw, `/keys/${id}`)).json();
    expect(listed).toMatchObject({ budgetDay: 1, budgetMonth: null });
    expect(listed.spend.day).toBeCloseTo(1.12, 12);
    expect(listed.spend.month).toBeCloseTo(1.12, 12);
    // Raising the budget through the admin API lets the key go on at once.
    const raised = await admin(gw, `/keys/${id}`, { method: 'PATCH', body: { budgetDay: 2, budgetMonth: 10 } });
    expect(raised.status).toBe(200);
    expect(await raised.json()).toMatchObject({ budgetDay: 2, budgetMonth: 10, spend: { day: expect.closeTo(1.12, 12) } });
    expect((await ask(key)).status).toBe(200);
    const removed = await (await admin(gw, `/keys/${id}`, { method: 'PATCH', body: { budgetDay: null } })).json();
    expect(removed).toMatchObject({ budgetDay: null, budgetMonth: 10 });
  });

  it('lets streams already running finish when another request crosses the limit: overshoot is what was in flight', async () => {
    const { key, id } = await createKey(gw, { name: 'parallel', budgetMonth: 1 });
    mock.enqueue({ content: 'held', usage: COSTS_56_CENTS, match: (r) => r.body?.input === 'hold: a' });
    const a = await post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input: 'hold: a', stream: true }, { key });
    expect(a.status).toBe(200); // in flight until released
    expect((await ask(key)).status).toBe(200); // ends at $0.56
    expect((await ask(key)).status).toBe(200); // starts at $0.56 < $1, ends at $1.12: the limit is crossed
    expect((await ask(key)).status).toBe(429);
    held.release('a');
    const events = await readSseEvents(a);
    expect(events.at(-1)?.json?.type).toBe('response.completed'); // the stream in flight finished whole
    await expect.poll(async () => (await (await admin(gw, `/keys/${id}`)).json()).spend.month).toBeCloseTo(1.68, 12);
    const refused = await (await ask(key)).json();
    expect(refused.error.message).toBe(`This API key (${id}) has spent $1.68 of its monthly budget of $1.00 (UTC month); it resets at ${new Date(nextUtcMonth(Date.now())).toISOString()}.`);
  });

  it('keeps spend across a restart: a key over its budget stays refused', async () => {
    const { key } = await createKey(gw, { name: 'persistent', budgetDay: 0.5 });
    expect((await ask(key)).status).toBe(200);
    expect((await ask(key)).status).toBe(429);
    await gw.close();
    gateways.splice(gateways.indexOf(gw), 1);
    gw = await gateway('budgets again', { plugins: plugins() });
    expect((await ask(key)).status).toBe(429);
    const keys = (await (await admin(gw, '/keys')).json()).data as Array<{ name: string; spend: { day: number } }>;
    expect(keys.find((k) => k.name === 'persistent')!.spend.day).toBeCloseTo(0.56, 12);
  });

  it('refuses budgets that are not amounts, and an update of a key that does not exist', async () => {
    for (const body of [{ name: 'x', budgetDay: 0 }, { name: 'x', budgetMonth: -5 }, { name: 'x', budgetDay: '5' }]) {
      const res = await admin(gw, '/keys', { method: 'POST', body });
      expect(res.status).toBe(400);
      expect((await res.json()).error.param).toMatch(/^budget(Day|Month)$/);
    }
    expect((await admin(gw, '/keys/ffffffffffff', { method: 'PATCH', body: { budgetDay: 1 } })).status).toBe(404);
    const { id } = await createKey(gw, { name: 'unchanged' });
    expect((await admin(gw, `/keys/${id}`, { method: 'PATCH', body: {} })).status).toBe(400);
    expect((await admin(gw, `/keys/${id}`, { method: 'PATCH', body: { hash: 'x' } })).status).toBe(400);
  });
});

describe('the master key’s budget', () => {
  it('refuses the master key’s traffic past its monthly budget; the admin API still answers', async () => {
    const gw = await gateway('master', {
      plugins: [auth({ masterKey: MASTER_KEY, dir: join(tmp, 'master-auth'), masterBudget: { month: 1 } }), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY })],
    });
    const ask = () => {
      mock.enqueue({ content: 'spent', usage: COSTS_56_CENTS, match: (r) => r.body?.input === 'master spends' });
      return post(`${gw.url}/v1/responses`, { model: 'gpt-4.1-mini', input: 'master spends' }, { key: MASTER_KEY });
    };
    expect((await ask()).status).toBe(200);
    expect((await ask()).status).toBe(200);
    const refused = await ask();
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toBe(`The master key's traffic has spent $1.12 of its monthly budget of $1.00 (UTC month); it resets at ${new Date(nextUtcMonth(Date.now())).toISOString()}.`);
    expect((await admin(gw, '/keys')).status).toBe(200);
    expect(gw.gateway.describe().find((d) => d.plugin === 'auth')?.notes).toContain("auth: the master key's traffic has a budget of $1 a month (UTC)");
  });
});
