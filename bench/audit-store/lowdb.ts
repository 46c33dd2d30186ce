/**
 * Benchmark of the default audit store at growing sizes, each in a fresh temp dir: append
 * throughput (enqueue + write, batches of 1,000), start-up of a reopened store, first page, a
 * filtered page, text searches (one that reads every index file, cold then warm), get by id and stats.
 * Records look like Codex traffic: a ~2 KB request (twice: client and upstream) and a streamed answer.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditStore } from '../../plugins/audit/store/lowdb/lowdb-store.ts';
import { benchRecord, log, RARE, time } from './shared.ts';

export interface BenchResult {
  records: number;
  /** Records per second through append() and the writes that follow. */
  appendPerSec: number;
  /** First page (50) right after start-up. */
  queryMs: number;
  /** A page of a rare filter (model + 5xx): reads every index file once. */
  filteredQueryMs: number;
  /** `q` for a word in 1% of prompts (found in the newest index files). */
  textSearchMs: number;
  /** `q` for a word no record has: reads every index file not yet loaded. */
  fullScanMs: number;
  /** The same once every index file is in memory. */
  fullScanWarmMs: number;
  /** get() of a recent record (mean of 20). */
  getMs: number;
  /** get() of the oldest record right after start-up (reads index files newest first until found). */
  getColdMs: number;
  /** createAuditStore on the filled folder. */
  startupMs: number;
  /** 24 h in hourly buckets grouped by model, cold. */
  statsMs: number;
  diskMB: number;
  /** Heap in use with every index file loaded (run node with --expose-gc for a figure without garbage). */
  heapMB: number;
}

const BATCH = 1000;

export async function benchAuditStore(sizes: number[] = [1000, 10000, 100000]): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  for (const size of sizes) results.push(await benchOne(size));
  return results;
}

async function benchOne(size: number): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'aurora-audit-bench-'));
  try {
    const end = Date.now();
    const spanMs = 86_400_000; // all within one day: the densest index files
    let store = await createAuditStore({ dir, log });
    let appendMs = 0;
    const ids: string[] = [];
    for (let start = 0; start < size; start += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, size - start) }, (_, i) => benchRecord(start + i, size, end, spanMs));
      ids.push(...batch.map((r) => r.id));
      const t = performance.now();
      for (const record of batch) await store.append([record]);
      await store.flush();
      appendMs += performance.now() - t;
    }
    await store.close();

    let t = performance.now();
    store = await createAuditStore({ dir, log });
    const startupMs = performance.now() - t;
    const queryMs = await time(() => store.query({}, { limit: 50 }));
    const filteredQueryMs = await time(() => store.query({ model: 'gpt-5.5', status: '5xx' }, { limit: 50 }));
    const textSearchMs = await time(() => store.query({ q: RARE }, { limit: 50 }));
    const fullScanMs = await time(() => store.query({ q: 'nowhere' }, { limit: 50 }));
    const fullScanWarmMs = await time(() => store.query({ q: 'nowhere' }, { limit: 50 }));
    t = performance.now();
    for (let i = 1; i <= 20; i++) await store.get(ids[ids.length - i * 7]!);
    const getMs = (performance.now() - t) / 20;
    // Every index file is loaded by now; with --expose-gc this is what they hold, without it garbage counts too.
    (globalThis as { gc?: () => void }).gc?.();
    const heapMB = process.memoryUsage().heapUsed / 1e6;
    await store.close();

    store = await createAuditStore({ dir, log });
    const getColdMs = await time(() => store.get(ids[0]!));
    await store.close();
    store = await createAuditStore({ dir, log });
    const statsMs = await time(() => store.stats({ from: end - spanMs, to: end, bucket: 'hour', groupBy: 'model' }));
    await store.close();

    return { records: size, appendPerSec: Math.round(size / (appendMs / 1000)), queryMs, filteredQueryMs, textSearchMs, fullScanMs, fullScanWarmMs, getMs, getColdMs, startupMs, statsMs, diskMB: (await folderBytes(dir)) / 1e6, heapMB };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}
