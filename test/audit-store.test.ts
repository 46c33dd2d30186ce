/**
 * The default audit store on a real temp dir: the AuditStore contract (store-contract.ts, the same
 * suite PostgreSQL runs), then what is lowdb's own: batching into files, index files on disk and in
 * memory, recovery, retention by file.
 */
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createAuditStore } from '../plugins/audit/store/lowdb/lowdb-store.ts';
import { startRetention } from '../plugins/audit/store/retention.ts';
import { allIds, describeAuditStoreContract } from './audit/store-contract.ts';
import { DAY, listFiles, makeRecord, tempDir } from './audit/helpers.ts';
import { perTestCleanup } from './helpers.ts';

const { cleanups, logs, log } = perTestCleanup();

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


const contractDirs: Array<() => Promise<void>> = [];
describeAuditStoreContract('lowdb', {
  async open(options) {
    const tmp = await tempDir();
    contractDirs.push(tmp.remove);
    // Small index files, so pages, filters and retention cross several of them.
    const make = (log = options.log) => createAuditStore({ ...options, log, dir: tmp.path, segmentSize: 50 });
    const store = await make();
    contractDirs.push(() => store.close());
    return {
      store,
      async reopen() {
        const again = await make();
        contractDirs.push(() => again.close());
        return again;
      },
    };
  },
  async cleanup() {
    for (const undo of contractDirs.splice(0).reverse()) await undo();
  },
});

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

  it('packs many trails per gzip member and still reads the one-member-per-record files of earlier versions', async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.remove);
    const records = Array.from({ length: 40 }, (_, i) => makeRecord({ prompt: `question ${i}`, answer: `answer ${i}` }));
    const store = await createAuditStore({ log, dir: tmp.path, flushIntervalMs: 60_000 });
    await store.append(records);
    await store.close();
    const [indexName] = await listFiles(tmp.path, 'index', '.json');
    const indexFile = join(tmp.path, 'index', indexName!);
    const bodyFile = join(tmp.path, 'bodies', indexName!.replace('.json', '.gz'));
    const index = JSON.parse(await readFile(indexFile, 'utf8'));
    expect(new Set(index.entries.map((e: { $body: number[] }) => e.$body[0])).size).toBe(1);

    // Rewrite it the way earlier versions did: a gzip member per record, [offset, length], indented JSON.
    const members: Buffer[] = [];
    let offset = 0;
    for (const entry of index.entries) {
      const member = gzipSync(JSON.stringify(records.find((r) => r.id === entry.id)!.trail));
      entry.$body = [offset, member.length];
      offset += member.length;
      members.push(member);
    }
    await writeFile(bodyFile, Buffer.concat(members));
    await writeFile(indexFile, JSON.stringify(index, null, 2));
    const again = await createAuditStore({ log, dir: tmp.path });
    cleanups.push(() => again.close());
    for (const record of [records[0]!, records[17]!, records[39]!]) expect((await again.get(record.id))?.trail).toEqual(record.trail);
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

  it('a write-only store (nobody reading) still keeps at most maxCachedEntries in memory', async () => {
    const dir = (await tempDir()).path;
    const store = await createAuditStore({ dir, log, segmentSize: 50, maxCachedEntries: 120 });
    cleanups.push(() => store.close());
    for (let batch = 0; batch < 20; batch++) {
      await store.append(Array.from({ length: 50 }, (_, i) => makeRecord({ time: Date.UTC(2030, 3, 1) + batch * 50 + i })));
      await store.flush();
    }
    // 1,000 records written; only the cap (plus the file being filled) may stay loaded.
    expect(store.cachedEntries).toBeLessThanOrEqual(120 + 50);
    expect(await allIds(store, {}, 500)).toHaveLength(1000);
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
});
