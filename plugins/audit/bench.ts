/**
 * Benchmark of the default audit store at growing sizes, each in a fresh temp dir: append
 * throughput (enqueue + write, batches of 1,000), start-up of a reopened store, first page, a
 * filtered page, text searches (one that reads every index file, cold then warm), get by id and stats.
 * Records look like Codex traffic: a ~2 KB request (twice: client and upstream) and a streamed answer.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord, Logger } from 'aurora';
import { createAuditStore } from './lowdb-store.ts';

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

const MODELS = ['gpt-5.5', 'gpt-4.1-mini', 'deepseek-v4-pro', 'deepseek-v4-flash'];
const WORDS = 'the quick brown fox jumps over lazy dog build test deploy refactor module function error stack trace patch file read write list'.split(' ');
export const RARE = 'zanzibar';
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

// Only what would make the figures meaningless is worth printing.
export const log: Logger = {
  debug() {},
  info() {},
  warn: (msg, fields) => console.error('warn:', msg, fields ?? ''),
  error: (msg, fields) => console.error('error:', msg, fields ?? ''),
  child: () => log,
};

export async function time(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

/** Record `i` of `size`, spread over `spanMs` before `end`; 1% of prompts hold RARE, 2% are 502s. Shared with postgres-bench.ts. */
export function benchRecord(i: number, size: number, end: number, spanMs: number): AuditRecord {
  const model = MODELS[i % MODELS.length]!;
  const words = (n: number) => Array.from({ length: n }, (_, k) => WORDS[(i * 31 + k * 7) % WORDS.length]).join(' ');
  const prompt = `${i % 100 === 0 ? RARE + ' ' : ''}${words(40)}`;
  const request = JSON.stringify({ model, instructions: words(250), input: [{ role: 'user', content: [{ type: 'input_text', text: prompt }] }], stream: true });
  const answer = words(60);
  const events = [
    `event: response.created\ndata: {"type":"response.created","response":{"id":"resp_${i}","status":"in_progress"}}\n\n`,
    ...answer.match(/.{1,40}/g)!.map((d) => `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', delta: d })}\n\n`),
    `event: response.completed\ndata: {"type":"response.completed","response":{"id":"resp_${i}","status":"completed","usage":{"input_tokens":900,"output_tokens":60}}}\n\n`,
  ].join('');
  const body = (text: string) => ({ text, bytes: text.length, truncated: false });
  const status = i % 50 === 0 ? 502 : 200;
  return {
    id: `req_${i.toString(16).padStart(32, '0')}`,
    time: end - spanMs + Math.floor((i / size) * spanMs),
    durationMs: 1200 + (i % 500),
    ttfbMs: 300 + (i % 100),
    requestBytes: request.length,
    responseBytes: events.length,
    method: 'POST',
    path: '/v1/responses',
    endpoint: 'responses',
    principal: { id: i % 3 ? 'master' : 'u1', name: 'bench' },
    model,
    provider: model.startsWith('deepseek') ? 'deepseek' : 'openai',
    upstreamModel: model,
    status,
    outcome: status === 200 ? 'ok' : 'error',
    error: status === 200 ? null : { code: 'upstream_unreachable', message: 'Provider openai is unreachable (ECONNRESET)' },
    stream: true,
    usage: { input_tokens: 900, output_tokens: 60, total_tokens: 960, cached_tokens: 512, reasoning_tokens: 20 },
    annotations: i % 2 ? { effort: { requested: 'xhigh', sent: 'max' } } : {},
    trail: {
      clientRequest: { headers: { 'content-type': 'application/json', authorization: '[redacted]' }, body: body(request) },
      upstreamRequest: { url: 'https://api.openai.com/v1/responses', headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamResponse: { status, headers: { 'content-type': 'text/event-stream' }, body: body(events) },
      clientResponse: { status, headers: { 'content-type': 'text/event-stream' }, body: body(events) },
    },
  };
}
