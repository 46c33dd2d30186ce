/**
 * Benchmark of the PostgreSQL audit store, on the records of shared.ts (Codex-like: ~2 KB request
 * twice, a streamed answer twice, ~10 KB of trail): append throughput through append() and the
 * batched INSERTs, then the dashboard's queries on the filled tables — first page, a filtered page,
 * text search, a deep page, get by id, stats — and a retention pass. Runs in a schema of its own,
 * dropped at the end. Figures are wall-clock on whatever runs it, database included.
 */
import { randomBytes } from 'node:crypto';
import { quoteIdent } from 'aurora/postgres';
import { openPostgresAuditStore, type PostgresAuditStore } from '../../plugins/audit/store/postgres/postgres-store.ts';
import { AUDIT_TABLE, BODIES_TABLE } from '../../plugins/audit/store/postgres/schema.ts';
import { benchRecord, log, RARE, time } from './shared.ts';

export interface PostgresBenchResult {
  records: number;
  /** Records per second through append() and the INSERTs that follow. */
  appendPerSec: number;
  /** Opening the store on the filled tables (pool, migration check). */
  startupMs: number;
  /** First page (50), no filter. */
  queryMs: number;
  /** A page of model + 5xx (0.5% of records). */
  filteredQueryMs: number;
  /** `q` for a word in 1% of prompts. */
  textSearchMs: number;
  /** `q` for a word no record has. */
  textMissMs: number;
  /** The 20th page of 50, following cursors (time of the last one). */
  deepPageMs: number;
  /** get() of a recent record, mean of 20. */
  getMs: number;
  /** get() of the oldest record. */
  getOldestMs: number;
  /** 24 h in hourly buckets grouped by model. */
  statsMs: number;
  /** Deleting the oldest 10% (retention), records per second. */
  deletePerSec: number;
  /** Tables and indexes, MB. */
  diskMB: number;
}

const BATCH = 1000;

export async function benchPostgresAuditStore(url: string, sizes: number[] = [100_000, 1_000_000], progress: (line: string) => void = () => {}): Promise<PostgresBenchResult[]> {
  const results: PostgresBenchResult[] = [];
  for (const size of sizes) results.push(await benchOne(url, size, progress));
  return results;
}

async function benchOne(url: string, size: number, progress: (line: string) => void): Promise<PostgresBenchResult> {
  const schema = `aurora_bench_${randomBytes(4).toString('hex')}`;
  const open = () => openPostgresAuditStore({ url, schema, log, flushIntervalMs: 60_000 });
  let store: PostgresAuditStore = await open();
  try {
    const end = Date.now();
    const spanMs = 86_400_000; // one day, as lowdb.ts
    const ids: string[] = [];
    // Appends as a busy gateway would; the store writes in the background (compressing the next batch
    // while the database writes the last). The generator waits only when 4 batches are queued.
    const t0 = performance.now();
    for (let start = 0; start < size; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, size - start) }, (_, i) => benchRecord(start + i, size, end, spanMs));
      if (start % (100 * BATCH) === 0) ids.push(batch[0]!.id);
      if (start + BATCH >= size) ids.push(...batch.map((r) => r.id));
      for (const record of batch) await store.append([record]);
      if (store.queued >= 4 * BATCH) await store.flush();
      if (start > 0 && start % 100_000 === 0) progress(`  ${start.toLocaleString('en')} records, ${Math.round(start / ((performance.now() - t0) / 1000))}/s`);
    }
    await store.flush();
    const appendMs = performance.now() - t0;
    await store.close();

    // What autovacuum would have done by the time anyone looks: planner statistics, visibility map.
    const admin = await openPostgresAuditStore({ url, schema, log });
    await admin.db.pool.query(`VACUUM ANALYZE ${admin.db.table(AUDIT_TABLE)}`);
    await admin.db.pool.query(`VACUUM ANALYZE ${admin.db.table(BODIES_TABLE)}`);
    const { rows: [disk] } = await admin.db.pool.query<{ bytes: number }>(
      `SELECT (pg_total_relation_size($1::regclass) + pg_total_relation_size($2::regclass))::float8 AS bytes`,
      [admin.db.table(AUDIT_TABLE), admin.db.table(BODIES_TABLE)],
    );
    await admin.close();

    let t = performance.now();
    store = await open();
    const startupMs = performance.now() - t;
    const queryMs = await time(() => store.query({}, { limit: 50 }));
    const filteredQueryMs = await time(() => store.query({ model: 'gpt-5.5', status: '5xx' }, { limit: 50 }));
    const textSearchMs = await time(() => store.query({ q: RARE }, { limit: 50 }));
    const textMissMs = await time(() => store.query({ q: 'nowhere' }, { limit: 50 }));
    let cursor: string | null = null;
    let deepPageMs = 0;
    for (let page = 0; page < 20; page++) deepPageMs = await time(async () => ({ nextCursor: cursor } = await store.query({}, { limit: 50, cursor })));
    t = performance.now();
    for (let i = 1; i <= 20; i++) await store.get(ids[ids.length - i * 7]!);
    const getMs = (performance.now() - t) / 20;
    const getOldestMs = await time(() => store.get(ids[0]!));
    const statsMs = await time(() => store.stats({ from: end - spanMs, to: end, bucket: 'hour', groupBy: 'model' }));
    const cut = end - spanMs + Math.floor(0.1 * spanMs);
    t = performance.now();
    const removed = await store.deleteOlderThan(cut);
    const deletePerSec = Math.round(removed / ((performance.now() - t) / 1000));
    return {
      records: size, appendPerSec: Math.round(size / (appendMs / 1000)), startupMs, queryMs, filteredQueryMs, textSearchMs, textMissMs,
      deepPageMs, getMs, getOldestMs, statsMs, deletePerSec, diskMB: disk!.bytes / 1e6,
    };
  } finally {
    await store.close().catch(() => {});
    const cleanup = await openPostgresAuditStore({ url, schema, log });
    await cleanup.db.pool.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
    await cleanup.close();
  }
}

