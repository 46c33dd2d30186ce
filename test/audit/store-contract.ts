/**
 * The AuditStore contract as a test suite: what the admin API and the dashboard rely on, whatever
 * the store. `test/audit-store.test.ts` runs it on the lowdb store, `test/postgres-audit-store.test.ts`
 * on PostgreSQL; a custom store can run it too:
 *
 *   describeAuditStoreContract('my store', { open: async ({ log }) => { … return { store, reopen } } });
 */
import type { Logger } from 'aurora';
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { summaryOf } from '../../plugins/audit/store/filters.ts';
import { startRetention } from '../../plugins/audit/store/retention.ts';
import type { AuditFilters, AuditStore } from '../../plugins/audit/store/audit-store.ts';
import { DAY, makeRecord } from './helpers.ts';

export interface ContractStoreOptions {
  log: Logger;
  /** Longest a record waits before it is written. */
  flushIntervalMs?: number;
  /** Records written at once. */
  maxBatch?: number;
}

export interface OpenedStore {
  store: AuditStore;
  /** A new store on the same data, for after `store.close()`. */
  reopen(): Promise<AuditStore>;
}

export interface AuditStoreHarness {
  /** A new, empty store. */
  open(options: ContractStoreOptions): Promise<OpenedStore>;
  /** Close what `open` made and remove its data; runs after each test. */
  cleanup(): Promise<void>;
}

export async function allIds(store: AuditStore, filters: AuditFilters = {}, limit = 37): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.query(filters, { limit, cursor });
    ids.push(...page.data.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

export function describeAuditStoreContract(name: string, harness: AuditStoreHarness): void {
  const logs: Array<Record<string, unknown>> = [];
  const log = createMemoryLogger(logs);
  afterEach(async () => {
    await harness.cleanup();
    expect(logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    logs.length = 0;
  });
  const open = (options: Omit<ContractStoreOptions, 'log'> = {}) => harness.open({ log, ...options });

  describe(`audit store contract (${name}): writing`, () => {
    it('shows records before they are written, and keeps them across a reopen', async () => {
      const { store: first, reopen } = await open({ flushIntervalMs: 60_000 });
      const record = makeRecord({ prompt: 'persist me please', annotations: { effort: { requested: 'xhigh', sent: 'max' } } });
      await first.append([record]);
      expect((await first.query({})).data.map((s) => s.id)).toEqual([record.id]);
      expect(await first.get(record.id)).toEqual(record);
      await first.close();

      const second = await reopen();
      expect(await second.get(record.id)).toEqual(record);
      const page = await second.query({ q: 'persist' });
      expect(page.data).toEqual([summaryOf(record)]);
      expect(await second.get('req_unknown')).toBeUndefined();
    });

    it('close() writes 1,000 records still queued; all are readable after reopening', async () => {
      const { store, reopen } = await open({ flushIntervalMs: 60_000, maxBatch: 10_000 });
      const records = Array.from({ length: 1000 }, (_, i) => makeRecord({ time: 1_750_000_000_000 + i }));
      for (const r of records) void store.append([r]);
      await store.close();
      await expect(store.append([makeRecord()])).rejects.toThrow(/closed/);

      const reopened = await reopen();
      expect(await allIds(reopened, {}, 500)).toEqual(records.map((r) => r.id).reverse());
      expect((await reopened.get(records[0]!.id))?.trail).toEqual(records[0]!.trail);
    });

    it('keeps a record without bodies, principal, model or usage', async () => {
      const { store, reopen } = await open();
      const bare = makeRecord({ trail: null, principal: null, model: null, provider: null, upstreamModel: null, usage: null, status: 400, outcome: 'error', error: { code: 'invalid_json', message: 'Body is not JSON' } });
      await store.append([bare]);
      await store.close();
      const again = await reopen();
      expect(await again.get(bare.id)).toEqual(bare);
      expect((await again.query({ principal: 'master' })).data).toEqual([]);
      expect((await again.query({ q: 'not json' })).data.map((s) => s.id)).toEqual([bare.id]);
      const stats = await again.stats({ from: bare.time - 1000, to: bare.time + 1000, bucket: 'minute', groupBy: 'principal' });
      expect(stats.groups).toEqual([{ key: null, requests: 1, errors: 1, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced: 0 }]);
    });
  });

  describe(`audit store contract (${name}): reading`, () => {
    it('pages newest first with no duplicate or gap while new records arrive', async () => {
      const { store } = await open({ flushIntervalMs: 5 });
      const base = Date.UTC(2030, 5, 1);
      // Arrival order is not time order (long requests finish late), and many share a time.
      const records = Array.from({ length: 400 }, (_, i) => makeRecord({ time: base + ((i * 7919) % 400) * 1000 + (i % 3 === 0 ? 0 : 500) }));
      await store.append(records);
      await store.flush();
      const expected = [...records].sort((a, b) => b.time - a.time || (a.id < b.id ? 1 : -1)).map((r) => r.id);

      const seen: string[] = [];
      let cursor: string | null = null;
      let page = 0;
      do {
        const result = await store.query({}, { limit: 30, cursor });
        seen.push(...result.data.map((s) => s.id));
        cursor = result.nextCursor;
        // Newer records land between pages: they must not shift what the cursor points at.
        await store.append([makeRecord({ time: base + 1_000_000 + page++ })]);
      } while (cursor);
      expect(seen).toEqual(expected);
    });

    it('lists written and queued records together, once each', async () => {
      const { store } = await open({ flushIntervalMs: 60_000 });
      const t0 = Date.UTC(2030, 1, 1);
      const written = Array.from({ length: 30 }, (_, i) => makeRecord({ time: t0 + i * 2 }));
      const queued = Array.from({ length: 30 }, (_, i) => makeRecord({ time: t0 + i * 2 + 1 }));
      await store.append(written);
      await store.flush();
      await store.append(queued);
      const expected = [...written, ...queued].sort((a, b) => b.time - a.time).map((r) => r.id);
      expect(await allIds(store, {}, 7)).toEqual(expected);
      const stats = await store.stats({ from: t0, to: t0 + 60_000, bucket: 'minute', groupBy: 'model' });
      // 60 × $0.0000114
      expect(stats.buckets).toEqual([{ t: t0, requests: 60, errors: 0, input_tokens: 600, output_tokens: 300, cached_tokens: 120, reasoning_tokens: 60, cost_usd: expect.closeTo(0.000684, 12), unpriced: 0 }]);
      await store.flush();
      expect(await allIds(store, {}, 7)).toEqual(expected);
    });

    it('filters by time range, model glob, provider, status and class, principal, outcome, stream and text', async () => {
      const { store } = await open();
      const t0 = Date.UTC(2030, 2, 1);
      const records = [
        makeRecord({ id: 'req_a', time: t0, model: 'deepseek-v4-pro', provider: 'deepseek', prompt: 'Find the Banana split', stream: true }),
        makeRecord({ id: 'req_b', time: t0 + 1000, status: 429, outcome: 'error', error: { code: 'rate_limit_exceeded', message: 'slow down' } }),
        makeRecord({ id: 'req_c', time: t0 + 2000, status: 503, outcome: 'error', principal: { id: 'u1', admin: false } }),
        makeRecord({ id: 'req_d', time: t0 + 3000, answer: 'The answer mentions KIWI', outcome: 'client_closed' }),
        makeRecord({ id: 'req_e', time: t0 + 4000, model: 'deepseek-v4-flash', provider: 'deepseek' }),
      ];
      await store.append(records);
      await store.flush();
      const ids = async (filters: AuditFilters) => (await store.query(filters)).data.map((s) => s.id);
      expect(await ids({ from: t0 + 1000, to: t0 + 3000 })).toEqual(['req_c', 'req_b']);
      expect(await ids({ model: 'deepseek-*' })).toEqual(['req_e', 'req_a']);
      expect(await ids({ model: '*-v4-*' })).toEqual(['req_e', 'req_a']);
      expect(await ids({ model: 'deepseek-v4-pro' })).toEqual(['req_a']);
      expect(await ids({ model: 'deepseek' })).toEqual([]);
      expect(await ids({ provider: 'openai' })).toEqual(['req_d', 'req_c', 'req_b']);
      expect(await ids({ status: '4xx' })).toEqual(['req_b']);
      expect(await ids({ status: '5xx' })).toEqual(['req_c']);
      expect(await ids({ status: 200 })).toEqual(['req_e', 'req_d', 'req_a']);
      expect(await ids({ principal: 'u1' })).toEqual(['req_c']);
      expect(await ids({ outcome: 'client_closed' })).toEqual(['req_d']);
      expect(await ids({ stream: true })).toEqual(['req_a']);
      expect(await ids({ stream: false, provider: 'deepseek' })).toEqual(['req_e']);
      expect(await ids({ q: 'banana' })).toEqual(['req_a']);
      expect(await ids({ q: 'BANANA split' })).toEqual(['req_a']);
      expect(await ids({ q: 'nana spl' })).toEqual(['req_a']);
      expect(await ids({ q: 'kiwi' })).toEqual(['req_d']);
      expect(await ids({ q: 'slow down' })).toEqual(['req_b']);
      expect(await ids({ q: 'banana kiwi' })).toEqual([]);
    });

    it('takes search words and model globs literally (%, _, \\ and quotes are not patterns)', async () => {
      const { store } = await open();
      const t0 = Date.UTC(2030, 2, 2);
      await store.append([
        makeRecord({ id: 'req_pct', time: t0, prompt: 'discount 100% off_today', model: 'm_1' }),
        makeRecord({ id: 'req_other', time: t0 + 1, prompt: 'discount 1000 offXtoday', model: 'mX1' }),
        makeRecord({ id: 'req_slash', time: t0 + 2, prompt: "path c:\\temp it's \"quoted\" ünïcødé", model: "o'brien" }),
      ]);
      await store.flush();
      const ids = async (filters: AuditFilters) => (await store.query(filters)).data.map((s) => s.id);
      expect(await ids({ q: '100%' })).toEqual(['req_pct']);
      expect(await ids({ q: 'off_today' })).toEqual(['req_pct']);
      expect(await ids({ q: '%' })).toEqual(['req_pct']);
      expect(await ids({ q: 'c:\\temp' })).toEqual(['req_slash']);
      expect(await ids({ q: "it's \"QUOTED\" ÜNÏCØDÉ" })).toEqual(['req_slash']);
      expect(await ids({ model: 'm_1' })).toEqual(['req_pct']);
      expect(await ids({ model: 'm_*' })).toEqual(['req_pct']);
      expect(await ids({ model: "o'*" })).toEqual(['req_slash']);
    });

    it('rejects a cursor that is not one of its own', async () => {
      const { store } = await open();
      await expect(store.query({}, { cursor: 'not-a-cursor' })).rejects.toThrow(TypeError);
    });

    it('counts stats per bucket and per group', async () => {
      const { store } = await open();
      const t0 = Date.UTC(2030, 2, 1, 10);
      await store.append([
        makeRecord({ time: t0 + 1000, model: 'a' }),
        makeRecord({ time: t0 + 2000, model: 'a', status: 500, outcome: 'error', usage: null }),
        makeRecord({ time: t0 + 3_600_000 + 5, model: 'b' }),
        makeRecord({ time: t0 + 3_600_000 + 6, model: 'b', cost: null, unpriced: true }),
        makeRecord({ time: t0 - 1, model: 'outside' }),
      ]);
      const stats = await store.stats({ from: t0, to: t0 + 3 * 3_600_000, bucket: 'hour', groupBy: 'model' });
      expect(stats.buckets).toEqual([
        { t: t0, requests: 2, errors: 1, input_tokens: 10, output_tokens: 5, cached_tokens: 2, reasoning_tokens: 1, cost_usd: 0.0000114, unpriced: 0 },
        { t: t0 + 3_600_000, requests: 2, errors: 0, input_tokens: 20, output_tokens: 10, cached_tokens: 4, reasoning_tokens: 2, cost_usd: 0.0000114, unpriced: 1 },
        { t: t0 + 7_200_000, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced: 0 },
      ]);
      // An unpriced request adds to `unpriced`, never a cost of 0 to `cost_usd`.
      expect(stats.groups.map((g) => [g.key, g.requests, g.errors, g.cost_usd, g.unpriced])).toEqual([['a', 2, 1, 0.0000114, 0], ['b', 2, 0, 0.0000114, 1]]);
      const byPrincipal = await store.stats({ from: t0, to: t0 + 3_600_000, bucket: 'minute', groupBy: 'principal' });
      expect(byPrincipal.buckets).toHaveLength(60);
      expect(byPrincipal.groups.map((g) => g.key)).toEqual(['master']);
    });

    it('counts stats of written records the same way, narrowed by filters and text, from an unaligned start', async () => {
      const { store } = await open();
      const day = Date.UTC(2030, 4, 1);
      await store.append([
        makeRecord({ time: day + 10, provider: 'deepseek', prompt: 'alpha beta' }),
        makeRecord({ time: day + 20, provider: 'deepseek', status: 502, outcome: 'error', prompt: 'alpha' }),
        makeRecord({ time: day + DAY + 5, provider: 'openai', prompt: 'alpha' }),
        makeRecord({ time: day + DAY + 6, provider: 'openai', prompt: 'gamma' }),
        makeRecord({ time: day + 2 * DAY, provider: 'openai', prompt: 'alpha' }),
      ]);
      await store.flush();
      const from = day + 15; // inside the first day: its bucket still starts at midnight
      const stats = await store.stats({ from, to: day + 2 * DAY, bucket: 'day', groupBy: 'provider', filters: { q: 'alpha' } });
      expect(stats.buckets.map((b) => [b.t, b.requests, b.errors])).toEqual([[day, 1, 1], [day + DAY, 1, 0]]);
      expect(stats.groups.map((g) => [g.key, g.requests, g.errors, g.input_tokens])).toEqual([['deepseek', 1, 1, 10], ['openai', 1, 0, 10]]);
      const only5xx = await store.stats({ from: day, to: day + 3 * DAY, bucket: 'day', groupBy: 'model', filters: { status: '5xx' } });
      expect(only5xx.groups).toEqual([{ key: 'gpt-4.1-mini', requests: 1, errors: 1, input_tokens: 10, output_tokens: 5, cached_tokens: 2, reasoning_tokens: 1, cost_usd: 0.0000114, unpriced: 0 }]);
    });
  });

  describe(`audit store contract (${name}): retention`, () => {
    it('drops the expired part of a day and keeps the rest', async () => {
      const { store } = await open();
      const t0 = Date.UTC(2030, 0, 1, 6);
      const records = [0, 1, 2, 3].map((h) => makeRecord({ time: t0 + h * 3_600_000 }));
      await store.append(records);
      expect(await store.deleteOlderThan(t0 + 2 * 3_600_000)).toBe(2);
      expect(await allIds(store)).toEqual([records[3]!.id, records[2]!.id]);
      expect(await store.get(records[0]!.id)).toBeUndefined();
    });

    it('no longer lists or returns a written record once it expires', async () => {
      const { store } = await open();
      const t0 = Date.UTC(2030, 0, 1, 6);
      const records = [0, 1, 2].map((h) => makeRecord({ time: t0 + h * 3_600_000 }));
      await store.append(records);
      await store.flush();
      expect(await allIds(store)).toEqual(records.map((r) => r.id).reverse());
      expect(await store.deleteOlderThan(t0 + 3_600_000)).toBe(1);
      expect(await allIds(store)).toEqual([records[2]!.id, records[1]!.id]);
      expect(await store.get(records[0]!.id)).toBeUndefined();
    });

    it('removes records on the timer as they age', async () => {
      const { store } = await open({ flushIntervalMs: 5 });
      const start = Date.now();
      let clock = start;
      const a = makeRecord({ time: start - 5 * DAY });
      const b = makeRecord({ time: start - 1 * DAY });
      await store.append([a, b]);
      await store.flush();
      const retention = await startRetention(store, { retentionDays: 10, intervalMs: 20, now: () => clock, log });
      try {
        expect(await allIds(store)).toEqual([b.id, a.id]);
        clock = start + 6 * DAY; // a is now 11 days old
        await expect.poll(() => allIds(store), { timeout: 2000 }).toEqual([b.id]);
        expect(await store.get(a.id)).toBeUndefined();
        clock = start + 10 * DAY;
        await expect.poll(() => allIds(store), { timeout: 2000 }).toEqual([]);
      } finally {
        retention.stop();
      }
    });
  });
}
