/** The default audit store on a real temp dir: batching, persistence, order, filters, retention, shutdown. */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { summaryOf } from '../plugins/audit/filters.ts';
import { createAuditStore, type LowdbAuditStore } from '../plugins/audit/lowdb-store.ts';
import { startRetention } from '../plugins/audit/retention.ts';
import { DAY, listFiles, makeRecord, readStoreText, tempDir } from '../plugins/audit/test-helpers.ts';

const logs: Array<Record<string, unknown>> = [];
const log = createMemoryLogger(logs);
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const undo of cleanups.splice(0).reverse()) await undo();
  expect(logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
  logs.length = 0;
});

async function openStore(options: { dir?: string; flushIntervalMs?: number; segmentSize?: number; maxBatch?: number } = {}) {
  let dir = options.dir;
  if (!dir) {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    dir = tmp.path;
  }
  const store = await createAuditStore({ log, ...options, dir });
  cleanups.push(() => store.close());
  return store;
}

async function allIds(store: LowdbAuditStore, filters = {}, limit = 37): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.query(filters, { limit, cursor });
    ids.push(...page.data.map((s) => s.id));
    cursor = page.nextCursor;
  } while (cursor);
  return ids;
}

describe('audit store: writing', () => {
  it('batches: 1,000 appends become one write of the index and one of the bodies', async () => {
    const store = await openStore({ flushIntervalMs: 60_000 });
    for (let i = 0; i < 1000; i++) await store.append([makeRecord()]);
    await store.flush();
    expect(store.counters).toMatchObject({ flushes: 1, indexWrites: 1, bodyAppends: 1 });
  });

  it('writes on the timer without being asked, off the caller’s path', async () => {
    const store = await openStore({ flushIntervalMs: 30 });
    for (let i = 0; i < 50; i++) await store.append([makeRecord()]);
    expect(store.counters.flushes).toBe(0);
    await expect.poll(() => store.counters.indexWrites, { timeout: 2000 }).toBe(1);
    expect(store.counters.flushes).toBe(1);
  });

  it('writes at once when a batch is full', async () => {
    const store = await openStore({ flushIntervalMs: 60_000, maxBatch: 100 });
    for (let i = 0; i < 250; i++) await store.append([makeRecord()]);
    await expect.poll(() => store.counters.flushes, { timeout: 2000 }).toBeGreaterThanOrEqual(2);
    expect(store.counters.flushes).toBeLessThanOrEqual(3);
  });

  it('shows records before they are written, and keeps them across a reopen', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const first = await createAuditStore({ dir: tmp.path, log, flushIntervalMs: 60_000 });
    const record = makeRecord({ prompt: 'persist me please', annotations: { effort: { requested: 'xhigh', sent: 'max' } } });
    await first.append([record]);
    expect((await first.query({})).data.map((s) => s.id)).toEqual([record.id]);
    expect(await first.get(record.id)).toEqual(record);
    await first.close();

    const second = await openStore({ dir: tmp.path });
    expect(await second.get(record.id)).toEqual(record);
    const page = await second.query({ q: 'persist' });
    expect(page.data).toEqual([summaryOf(record)]);
    expect(await second.get('req_unknown')).toBeUndefined();
  });

  it('close() flushes 1,000 records still queued; all are readable after reopening', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const store = await createAuditStore({ dir: tmp.path, log, flushIntervalMs: 60_000, maxBatch: 10_000 });
    const records = Array.from({ length: 1000 }, (_, i) => makeRecord({ time: 1_750_000_000_000 + i }));
    for (const r of records) void store.append([r]);
    await store.close();
    await expect(store.append([makeRecord()])).rejects.toThrow(/closed/);

    const reopened = await openStore({ dir: tmp.path });
    const ids = await allIds(reopened, {}, 500);
    expect(ids).toEqual(records.map((r) => r.id).reverse());
    expect((await reopened.get(records[0]!.id))?.trail).toEqual(records[0]!.trail);
  });

  it('rotates index files per day and per segmentSize entries', async () => {
    const store = await openStore({ segmentSize: 100, flushIntervalMs: 60_000 });
    const day1 = Date.UTC(2030, 0, 1, 12);
    const day2 = Date.UTC(2030, 0, 2, 12);
    await store.append(Array.from({ length: 250 }, (_, i) => makeRecord({ time: day1 + i })));
    await store.append(Array.from({ length: 10 }, (_, i) => makeRecord({ time: day2 + i })));
    await store.flush();
    expect(await listFiles(store.dir, 'index', '.json')).toEqual(['2030-01-01.0000.json', '2030-01-01.0001.json', '2030-01-01.0002.json', '2030-01-02.0000.json']);
    expect(await listFiles(store.dir, 'bodies')).toEqual(['2030-01-01.0000.gz', '2030-01-01.0001.gz', '2030-01-01.0002.gz', '2030-01-02.0000.gz']);
    // A later batch rewrites only the newest file of its day.
    const before = store.counters.indexWrites;
    await store.append([makeRecord({ time: day1 + 1000 })]);
    await store.flush();
    expect(store.counters.indexWrites).toBe(before + 1);
  });

  it('rebuilds its manifest from the index files when it is lost', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const store = await createAuditStore({ dir: tmp.path, log, segmentSize: 10 });
    const records = Array.from({ length: 35 }, (_, i) => makeRecord({ time: 1_750_000_000_000 + i }));
    await store.append(records);
    await store.close();
    await rm(join(tmp.path, 'manifest.json'));
    const reopened = await openStore({ dir: tmp.path });
    expect(await allIds(reopened)).toEqual(records.map((r) => r.id).reverse());
  });
});

describe('audit store: reading', () => {
  it('pages newest first with no duplicate or gap, across segments, while new records arrive', async () => {
    const store = await openStore({ segmentSize: 50, flushIntervalMs: 5 });
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

  it('filters by time range, model glob, provider, status and class, principal, outcome, stream and text', async () => {
    const store = await openStore({ segmentSize: 20 });
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
    const ids = async (filters: object) => (await store.query(filters)).data.map((s) => s.id);
    expect(await ids({ from: t0 + 1000, to: t0 + 3000 })).toEqual(['req_c', 'req_b']);
    expect(await ids({ model: 'deepseek-*' })).toEqual(['req_e', 'req_a']);
    expect(await ids({ model: 'deepseek-v4-pro' })).toEqual(['req_a']);
    expect(await ids({ provider: 'openai' })).toEqual(['req_d', 'req_c', 'req_b']);
    expect(await ids({ status: '4xx' })).toEqual(['req_b']);
    expect(await ids({ status: '5xx' })).toEqual(['req_c']);
    expect(await ids({ status: 200 })).toEqual(['req_e', 'req_d', 'req_a']);
    expect(await ids({ principal: 'u1' })).toEqual(['req_c']);
    expect(await ids({ outcome: 'client_closed' })).toEqual(['req_d']);
    expect(await ids({ stream: true })).toEqual(['req_a']);
    expect(await ids({ q: 'banana' })).toEqual(['req_a']);
    expect(await ids({ q: 'BANANA split' })).toEqual(['req_a']);
    expect(await ids({ q: 'kiwi' })).toEqual(['req_d']);
    expect(await ids({ q: 'slow down' })).toEqual(['req_b']);
    expect(await ids({ q: 'banana kiwi' })).toEqual([]);
  });

  it('counts stats per bucket and per group', async () => {
    const store = await openStore();
    const t0 = Date.UTC(2030, 2, 1, 10);
    await store.append([
      makeRecord({ time: t0 + 1000, model: 'a' }),
      makeRecord({ time: t0 + 2000, model: 'a', status: 500, outcome: 'error', usage: null }),
      makeRecord({ time: t0 + 3_600_000 + 5, model: 'b' }),
      makeRecord({ time: t0 - 1, model: 'outside' }),
    ]);
    const stats = await store.stats({ from: t0, to: t0 + 3 * 3_600_000, bucket: 'hour', groupBy: 'model' });
    expect(stats.buckets).toEqual([
      { t: t0, requests: 2, errors: 1, input_tokens: 10, output_tokens: 5, cached_tokens: 2, reasoning_tokens: 1 },
      { t: t0 + 3_600_000, requests: 1, errors: 0, input_tokens: 10, output_tokens: 5, cached_tokens: 2, reasoning_tokens: 1 },
      { t: t0 + 7_200_000, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0 },
    ]);
    expect(stats.groups.map((g) => [g.key, g.requests, g.errors])).toEqual([['a', 2, 1], ['b', 1, 0]]);
    const byPrincipal = await store.stats({ from: t0, to: t0 + 3_600_000, bucket: 'minute', groupBy: 'principal' });
    expect(byPrincipal.buckets).toHaveLength(60);
    expect(byPrincipal.groups.map((g) => g.key)).toEqual(['master']);
  });
});

describe('audit store: memory and recovery', () => {
  async function filled(count: number, segmentSize: number) {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const seed = await createAuditStore({ dir: tmp.path, log, segmentSize });
    const t0 = Date.UTC(2030, 3, 1);
    const records = Array.from({ length: count }, (_, i) => makeRecord({ time: t0 + i * 1000, prompt: i % 10 ? 'common words' : 'rare marmalade' }));
    await seed.append(records);
    await seed.close();
    return { dir: tmp.path, records };
  }

  it('starts without reading index files; the first page reads only the newest', async () => {
    const { dir, records } = await filled(500, 50);
    const store = await openStore({ dir, segmentSize: 50 });
    expect(store.counters.segmentReads).toBe(0);
    const page = await store.query({}, { limit: 20 });
    expect(page.data.map((s) => s.id)).toEqual(records.slice(-20).reverse().map((r) => r.id));
    expect(store.counters.segmentReads).toBeLessThanOrEqual(1 + 3); // the newest, plus the read-ahead
  });

  it('finds a record by id through the ids files, without reading every index file', async () => {
    const { dir, records } = await filled(500, 50);
    const store = await openStore({ dir, segmentSize: 50 });
    expect((await store.get(records[3]!.id))?.trail).toEqual(records[3]!.trail);
    expect(store.counters.segmentReads).toBe(1);
    expect(await store.get('req_missing')).toBeUndefined();
    expect(store.counters.segmentReads).toBe(1);
    // Without its ids file, a segment is scanned instead.
    await rm(join(dir, 'index', '2030-04-01.0000.ids'));
    const again = await openStore({ dir, segmentSize: 50 });
    expect((await again.get(records[3]!.id))?.id).toBe(records[3]!.id);
  });

  it('keeps at most maxCachedEntries in memory and still answers scans right', async () => {
    const { dir, records } = await filled(500, 50);
    const store = await createAuditStore({ dir, log, segmentSize: 50, maxCachedEntries: 120 });
    cleanups.push(() => store.close());
    const rare = records.filter((_, i) => i % 10 === 0).map((r) => r.id).reverse();
    expect(await allIds(store, { q: 'marmalade' })).toEqual(rare);
    expect(store.cachedEntries).toBeLessThanOrEqual(120 + 50);
    const stats = await store.stats({ from: 0, to: Date.UTC(2031, 0), bucket: 'day', groupBy: 'model' });
    expect(stats.groups).toEqual([expect.objectContaining({ key: 'gpt-4.1-mini', requests: 500 })]);
    expect(store.cachedEntries).toBeLessThanOrEqual(120 + 50);
    await store.append([makeRecord({ time: Date.UTC(2030, 3, 1) + 1 })]);
    await store.flush();
    expect(await allIds(store)).toHaveLength(501);
  });

  it('sets aside an index file that does not parse, and keeps working', async () => {
    const { dir, records } = await filled(100, 50);
    await writeFile(join(dir, 'index', '2030-04-01.0000.json'), '{"version":1,"entries":[{"id":');
    const store = await openStore({ dir, segmentSize: 50 });
    expect(await allIds(store)).toEqual(records.slice(50).reverse().map((r) => r.id));
    expect(logs.map((l) => l.msg)).toContain('audit: an index file does not parse; moved aside, its records are no longer listed');
    logs.length = 0;
    expect((await listFiles(dir, 'index')).some((f) => f.startsWith('2030-04-01.0000.json.corrupt-'))).toBe(true);
  });
});

describe('audit store: retention', () => {
  it('removes old days at start: index and body files go, records are no longer listed', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const now = Date.now();
    const seed = await createAuditStore({ dir: tmp.path, log });
    const old = makeRecord({ time: now - 40 * DAY });
    const older = makeRecord({ time: now - 45 * DAY });
    const fresh = makeRecord({ time: now - DAY });
    await seed.append([old, older, fresh]);
    await seed.close();
    expect(await listFiles(tmp.path, 'index', '.json')).toHaveLength(3);

    const store = await openStore({ dir: tmp.path });
    const retention = await startRetention(store, { retentionDays: 30, log });
    retention.stop();
    const day = (t: number) => new Date(t).toISOString().slice(0, 10);
    expect(await listFiles(tmp.path, 'index')).toEqual([`${day(fresh.time)}.0000.ids`, `${day(fresh.time)}.0000.json`]);
    expect(await listFiles(tmp.path, 'bodies')).toEqual([`${day(fresh.time)}.0000.gz`]);
    expect(await allIds(store)).toEqual([fresh.id]);
    expect(await store.get(old.id)).toBeUndefined();
  });

  it('removes records on the timer as they age', async () => {
    const store = await openStore({ flushIntervalMs: 5 });
    const start = Date.now();
    let clock = start;
    const a = makeRecord({ time: start - 5 * DAY });
    const b = makeRecord({ time: start - 1 * DAY });
    await store.append([a, b]);
    await store.flush();
    const retention = await startRetention(store, { retentionDays: 10, intervalMs: 20, now: () => clock, log });
    cleanups.push(async () => retention.stop());
    expect(await allIds(store)).toEqual([b.id, a.id]);
    clock = start + 6 * DAY; // a is now 11 days old
    await expect.poll(() => allIds(store), { timeout: 2000 }).toEqual([b.id]);
    expect(await listFiles(store.dir, 'index', '.json')).toEqual([`${new Date(b.time).toISOString().slice(0, 10)}.0000.json`]);
    clock = start + 10 * DAY;
    await expect.poll(() => allIds(store), { timeout: 2000 }).toEqual([]);
    expect(await readStoreText(join(store.dir, 'index'))).toBe('');
  });

  it('drops the expired part of a day and keeps the rest', async () => {
    const store = await openStore();
    const t0 = Date.UTC(2030, 0, 1, 6);
    const records = [0, 1, 2, 3].map((h) => makeRecord({ time: t0 + h * 3_600_000 }));
    await store.append(records);
    expect(await store.deleteOlderThan(t0 + 2 * 3_600_000)).toBe(2);
    expect(await allIds(store)).toEqual([records[3]!.id, records[2]!.id]);
  });
});
