/**
 * The default AuditStore. On disk, under `dir`:
 *
 *   manifest.json                 lowdb: per index file, its record count and time range
 *   index/2025-06-01.0000.json    lowdb: up to `segmentSize` summaries of one UTC day + search digests
 *   index/2025-06-01.0000.ids     the ids in that index file, one a line (lets `get` skip the others)
 *   bodies/2025-06-01.0000.gz     append-only gzip members, each holding the trails (JSON) of
 *                                 several records (trail-codec.ts)
 *
 * `append` only queues; a timer (`flushIntervalMs`) or a full batch writes: bodies are appended,
 * then the manifest and the touched index files are rewritten, each a few MB at most. Start-up
 * reads only the manifest; index files load when a query reaches them, newest first, and stay
 * until `maxCachedEntries` are loaded, then the least recently used go first.
 */
import { resolve } from 'node:path';
import type { AuditRecord, Logger } from 'aurora';
import { SegmentCatalog } from './catalog.ts';
import { compareNewestFirst, compileFilters, createStatsCounter, isAfterCursor } from '../filters.ts';
import { searchTextOf } from '../../record/search-text.ts';
import { firstAfter, type IndexEntry, type Segment } from './segment.ts';
import { decodeCursor, encodeCursor, type AuditFilters, type AuditPage, type AuditStats, type AuditStore, type AuditSummary, type PageOptions, type StatsOptions } from '../audit-store.ts';
import { packTrails, type TrailRef } from './trail-codec.ts';
import { WriteQueue, type Unwritten } from '../write-queue.ts';

export interface AuditStoreOptions {
  /** Folder of the store; created when missing. */
  dir: string;
  /** Longest a record waits in memory before it is written (ms). Default 250. */
  flushIntervalMs?: number;
  /** Write at once when this many records wait. Default 1000. */
  maxBatch?: number;
  /** …or when their bodies add up to this many bytes. Default 32 MB. */
  maxBatchBytes?: number;
  /** Entries per index file before the next one starts. Default 1000: a flush rewrites at most ~1.4 MB. */
  segmentSize?: number;
  /** Index entries kept in memory (~1.3 KB each), trimmed after every read and every write. Default 50,000. */
  maxCachedEntries?: number;
  /** Where write failures and recoveries are reported (the plugin passes the gateway's). */
  log: Logger;
}

/** Counts of disk work, for tests and benchmarks. */
export interface StoreCounters {
  /** Batches written. */
  flushes: number;
  /** Index files rewritten. */
  indexWrites: number;
  /** Appends to body files. */
  bodyAppends: number;
  /** Index files read from disk. */
  segmentReads: number;
}

const YIELD_EVERY_MS = 8;

export async function createAuditStore(options: AuditStoreOptions): Promise<LowdbAuditStore> {
  const store = new LowdbAuditStore(options);
  await store.open();
  return store;
}

export class LowdbAuditStore implements AuditStore {
  readonly dir: string;
  readonly counters: StoreCounters = { flushes: 0, indexWrites: 0, bodyAppends: 0, segmentReads: 0 };
  private readonly catalog: SegmentCatalog;
  /** Records not yet on disk (queued or in the batch being written); disk work one step at a time. */
  private readonly queue: WriteQueue;
  private closed = false;

  constructor(options: AuditStoreOptions) {
    this.dir = resolve(options.dir);
    this.queue = new WriteQueue({
      flushIntervalMs: options.flushIntervalMs ?? 250,
      maxBatch: options.maxBatch ?? 1000,
      maxBatchBytes: options.maxBatchBytes ?? 32 * 1024 * 1024,
      sizeOf: trailBytes,
      write: () => this.writeBatch(),
      log: options.log,
      logFields: { dir: this.dir },
    });
    this.catalog = new SegmentCatalog({
      dir: this.dir,
      segmentSize: options.segmentSize ?? 1000,
      maxCachedEntries: options.maxCachedEntries ?? 50_000,
      log: options.log,
      onRead: () => this.counters.segmentReads++,
    });
  }

  /** Read the manifest and list the index files; nothing else is read until asked. */
  open(): Promise<void> {
    return this.catalog.open();
  }

  /** Index entries in memory now (bounded by `maxCachedEntries` between reads and writes). */
  get cachedEntries(): number {
    return this.catalog.all.reduce((n, s) => n + (s.isLoaded ? s.size : 0), 0);
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    return this.queue.append(records);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.close();
  }

  async query(filters: AuditFilters, page: PageOptions = {}): Promise<AuditPage> {
    const limit = Math.max(1, Math.floor(page.limit ?? 50));
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    if (page.cursor && !cursor) throw new TypeError('invalid cursor');
    const match = compileFilters(filters);
    const want = limit + 1;
    let found: AuditSummary[] = [];
    // A record written while this query awaits a segment would otherwise be seen twice.
    const seen = new Set(this.queue.unwritten.keys());
    for (const item of this.queue.unwritten.values()) {
      if (isAfterCursor(item.summary, cursor) && match(item.summary, () => (item.text ??= searchTextOf(item.record)))) found.push(item.summary);
    }
    const segments = this.catalog.candidates(filters.from, filters.to, cursor);
    for (let i = 0; i < segments.length; i++) {
      if (found.length >= want) {
        found = found.sort(compareNewestFirst).slice(0, want);
        // Nothing in this segment (or any later one, sorted by maxTime) can beat the page's last entry.
        if (segments[i]!.meta.maxTime < found[want - 1]!.time) break;
      }
      this.catalog.readAhead(segments, i);
      const entries = await this.catalog.use(segments[i]!, (segment) => segment.newestFirst());
      let taken = 0;
      // Each segment is sorted: only its first `want` matches after the cursor can make the page.
      for (let j = cursor ? firstAfter(entries, cursor) : 0; j < entries.length && taken < want; j++) {
        const entry = entries[j]!;
        if (!seen.has(entry.id) && match(entry, () => entry.$text)) {
          found.push(entry);
          taken++;
        }
      }
    }
    found.sort(compareNewestFirst);
    const data = found.slice(0, limit).map(publicSummary);
    const last = data.at(-1);
    return { data, nextCursor: found.length > limit && last ? encodeCursor(last) : null };
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    const item = this.queue.unwritten.get(id);
    if (item) return item.record;
    for (const segment of this.catalog.all) {
      if (!segment.isLoaded) continue;
      const entry = await segment.find(id);
      if (entry) return this.withTrail(segment, entry);
    }
    const { bySegment, unindexed } = await this.catalog.ids();
    const listed = bySegment.get(id);
    for (const segment of listed ? [listed] : unindexed) {
      if (!this.catalog.all.includes(segment)) continue; // removed by retention since
      const entry = await this.catalog.use(segment, (s) => s.find(id));
      if (entry) return this.withTrail(segment, entry);
    }
    // It may have been written while we looked.
    return this.queue.unwritten.get(id)?.record;
  }

  async stats(options: StatsOptions): Promise<AuditStats> {
    const counter = createStatsCounter(options);
    const match = compileFilters({ ...options.filters, from: options.from, to: options.to });
    const seen = new Set(this.queue.unwritten.keys());
    for (const item of this.queue.unwritten.values()) {
      if (match(item.summary, () => (item.text ??= searchTextOf(item.record)))) counter.add(item.summary);
    }
    const segments = this.catalog.candidates(options.from, options.to, undefined);
    for (let i = 0; i < segments.length; i++) {
      this.catalog.readAhead(segments, i);
      for (const entry of await this.catalog.use(segments[i]!, (segment) => segment.load())) {
        if (!seen.has(entry.id) && match(entry, () => entry.$text)) counter.add(entry);
      }
    }
    return counter.result();
  }

  deleteOlderThan(time: number): Promise<number> {
    return this.queue.exclusive(async () => {
      let removed = this.queue.dropOlderThan(time);
      try {
        for (const segment of [...this.catalog.all]) {
          if (segment.meta.maxTime < time) {
            removed += segment.size;
            await this.catalog.remove(segment);
          } else if (segment.meta.minTime < time) {
            // Partly expired: drop the entries now; the body bytes go when the whole segment does (within a day).
            this.catalog.pin(segment);
            const dropped = await segment.dropOlderThan(time);
            if (dropped) {
              await this.catalog.noteWritten(segment);
              this.catalog.forgetIds();
            }
            removed += dropped;
          }
        }
      } finally {
        this.catalog.unpinAll();
      }
      this.counters.indexWrites += await this.catalog.writeIndex();
      return removed;
    });
  }

  /** Write everything pending now: bodies first, then the manifest, then the touched index files. */
  private async writeBatch(): Promise<void> {
    const batch = this.queue.takeAll();
    if (batch.length) this.counters.flushes++;
    let failure: unknown;
    try {
      failure = await this.writeGroups(await this.catalog.assign(batch, (item) => item.summary.time));
    } catch (err) {
      this.queue.requeue(batch); // an index file could not be read: nothing of the batch was written
      throw err;
    } finally {
      this.catalog.unpinAll();
    }
    this.counters.indexWrites += await this.catalog.writeIndex();
    if (failure) throw failure;
  }

  /** Bodies, then entries, per segment; a group that fails goes back to the queue. Returns the first failure. */
  private async writeGroups(groups: Map<Segment, Unwritten[]>): Promise<unknown> {
    let failure: unknown;
    for (const [segment, items] of groups) {
      try {
        const packed = await packTrails(items.map((item) => item.record.trail), yieldNow());
        const offset = packed.bytes.length ? await segment.appendBodies(packed.bytes) : 0;
        if (packed.bytes.length) this.counters.bodyAppends++;
        segment.add(items.map((item, i) => {
          const ref = packed.refs[i];
          const $body: TrailRef | null = ref ? [offset + ref[0], ...ref.slice(1)] as TrailRef : null;
          return { ...item.summary, $text: (item.text ??= searchTextOf(item.record)), $body };
        }));
        this.queue.written(items);
        await this.catalog.noteWritten(segment, items.map((item) => item.summary.id));
      } catch (err) {
        failure ??= err;
        this.queue.requeue(items);
      }
    }
    return failure;
  }

  private async withTrail(segment: Segment, entry: IndexEntry): Promise<AuditRecord> {
    return { ...publicSummary(entry), trail: await segment.readTrail(entry) };
  }
}

/** A pause for a long batch: every few ms of work, let the event loop serve requests. */
function yieldNow(): () => Promise<void> | undefined {
  let slice = performance.now();
  return () => {
    if (performance.now() - slice < YIELD_EVERY_MS) return undefined;
    return new Promise<void>((resolve) => setImmediate(() => {
      slice = performance.now();
      resolve();
    }));
  };
}

function publicSummary(entry: AuditSummary | IndexEntry): AuditSummary {
  if (!('$text' in entry)) return entry;
  const { $text: _text, $body: _body, ...summary } = entry;
  return summary;
}

function trailBytes(record: AuditRecord): number {
  const t = record.trail;
  if (!t) return 0;
  return (t.clientRequest.body?.text.length ?? 0) + (t.upstreamRequest?.body?.text.length ?? 0)
    + (t.upstreamResponse?.body?.text.length ?? 0) + (t.clientResponse.body?.text.length ?? 0);
}
