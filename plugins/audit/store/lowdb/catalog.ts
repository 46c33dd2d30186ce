/**
 * Which segments exist, which are in memory, and where a record goes: the manifest, the cache of
 * loaded index files (least recently used out first) and the id → segment index behind `get`.
 * The store above it owns the queue and the queries; this knows files.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'aurora';
import { Low } from 'lowdb';
import { compactJsonFile } from './json-file.ts';
import { Segment, type SegmentMeta } from './segment.ts';
import type { CursorPosition } from '../audit-store.ts';

interface Manifest {
  version: 1;
  segments: SegmentMeta[];
}

export interface IdIndex {
  bySegment: Map<string, Segment>;
  /** Segments without an ids file: `get` scans them, newest first. */
  unindexed: Segment[];
}

export interface CatalogOptions {
  dir: string;
  segmentSize: number;
  maxCachedEntries: number;
  log: Logger;
  onRead: () => void;
}

// Segments read ahead while a scan works on the current one: overlaps file reads with parsing.
const READ_AHEAD = 3;
const INDEX_FILE = /^\d{4}-\d{2}-\d{2}\.\d{4,}\.json$/;

export class SegmentCatalog {
  private manifest!: Low<Manifest>;
  private segments: Segment[] = [];
  private readonly dirty = new Set<Segment>();
  /** A segment was added or removed since the manifest was written. */
  private manifestDirty = false;
  /** Segments being written or trimmed: never unloaded under the writer. */
  private readonly pinned = new Set<Segment>();
  /** Recency counter for the cache. */
  private clock = 0;
  /** Built on the first `get` that misses the loaded segments, kept up to date by `noteWritten`. */
  private idIndex: Promise<IdIndex> | undefined;

  constructor(private readonly options: CatalogOptions) {}

  /** Read the manifest and list the index files; nothing else is read until asked. */
  async open(): Promise<void> {
    const { dir, log } = this.options;
    await mkdir(join(dir, 'index'), { recursive: true });
    await mkdir(join(dir, 'bodies'), { recursive: true });
    this.manifest = new Low<Manifest>(compactJsonFile<Manifest>(join(dir, 'manifest.json')), { version: 1, segments: [] });
    try {
      await this.manifest.read();
    } catch (err) {
      // Losing the manifest loses nothing: every index file is re-read below.
      log.warn('audit: manifest.json could not be read; rebuilding it from the index files', { dir, err });
    }
    const known = new Map(this.manifest.data.segments.map((m) => [m.id, m]));
    for (const file of await readdir(join(dir, 'index'))) {
      if (!INDEX_FILE.test(file)) continue;
      const id = file.slice(0, -'.json'.length);
      const meta = known.get(id);
      const segment = this.segmentOf(meta ?? { id, count: 0, minTime: 0, maxTime: 0 });
      // Written before the manifest caught up (the process died between the two writes): read it to learn its range.
      if (!meta) await segment.load();
      this.segments.push(segment);
    }
    // Listed but never written (the process died before the index file): forget them.
    this.manifestDirty = this.segments.length !== known.size || this.segments.some((s) => !known.has(s.meta.id));
    this.sort();
  }

  get all(): readonly Segment[] {
    return this.segments;
  }

  /** Segments that may hold records in [from, to) after the cursor, newest (by maxTime) first. */
  candidates(from: number | undefined, to: number | undefined, cursor: CursorPosition | undefined): Segment[] {
    return this.segments
      .filter((s) => s.size > 0
        && (from === undefined || s.meta.maxTime >= from)
        && (to === undefined || s.meta.minTime < to)
        && (!cursor || s.meta.minTime <= cursor.time))
      .sort((a, b) => b.meta.maxTime - a.meta.maxTime);
  }

  /**
   * Group items by the segment they go to: the newest index file of their UTC day, or a new one
   * when that is full. The segments are loaded and pinned until `unpinAll`.
   */
  async assign<T>(items: readonly T[], timeOf: (item: T) => number): Promise<Map<Segment, T[]>> {
    const groups = new Map<Segment, T[]>();
    const newest = new Map<string, Segment>();
    for (const segment of this.segments) {
      const current = newest.get(segment.day);
      if (!current || segment.seq > current.seq) newest.set(segment.day, segment);
    }
    for (const item of items) {
      const time = timeOf(item);
      const day = new Date(time).toISOString().slice(0, 10);
      let segment = newest.get(day);
      if (segment) {
        this.pinned.add(segment);
        await segment.load();
      }
      if (!segment || segment.size + (groups.get(segment)?.length ?? 0) >= this.options.segmentSize) {
        segment = this.segmentOf({ id: Segment.idOf(day, segment ? segment.seq + 1 : 0), count: 0, minTime: time, maxTime: time });
        this.pinned.add(segment);
        await segment.load();
        this.segments.push(segment);
        this.manifestDirty = true;
        newest.set(day, segment);
      }
      let group = groups.get(segment);
      if (!group) groups.set(segment, (group = []));
      group.push(item);
    }
    this.sort();
    return groups;
  }

  pin(segment: Segment): void {
    this.pinned.add(segment);
  }

  /** The writer is done with its segments: they may be unloaded again, and the cache is trimmed. */
  unpinAll(): void {
    this.pinned.clear();
    // Trimming only after reads would let a write-only gateway (nobody looking at the dashboard)
    // keep every index file it ever wrote in memory.
    this.evict();
  }

  /** Entries were added to or dropped from `segment`; `ids` were written into it. */
  async noteWritten(segment: Segment, ids: readonly string[] = []): Promise<void> {
    this.dirty.add(segment);
    const index = await this.idIndex?.catch(() => undefined);
    for (const id of ids) index?.bySegment.set(id, segment);
  }

  /** Entries left a segment: the id index is rebuilt when next needed. */
  forgetIds(): void {
    this.idIndex = undefined;
  }

  /** A wholly expired segment: its index, ids and bodies go together. */
  async remove(segment: Segment): Promise<void> {
    this.segments.splice(this.segments.indexOf(segment), 1);
    this.dirty.delete(segment);
    this.manifestDirty = true;
    this.idIndex = undefined;
    await rm(segment.indexFile, { force: true });
    await rm(segment.idsFile, { force: true });
    await rm(segment.bodyFile, { force: true });
  }

  /**
   * Manifest first, then the touched index files: if the process dies between the two, the
   * manifest's ranges are wider than the truth, which only costs a read. Returns the files written.
   */
  async writeIndex(): Promise<number> {
    const touched = [...this.dirty];
    if (!touched.length && !this.manifestDirty) return 0;
    this.manifest.data = { version: 1, segments: this.segments.map((s) => s.meta) };
    await this.manifest.write();
    this.manifestDirty = false;
    await Promise.all(touched.map(async (segment) => {
      await segment.write();
      this.dirty.delete(segment);
    }));
    return touched.length;
  }

  /** Start loading the next few segments of a scan. */
  readAhead(segments: readonly Segment[], from: number): void {
    for (const segment of segments.slice(from + 1, from + 1 + READ_AHEAD)) {
      if (segment.isLoaded) continue;
      segment.lastUsed = ++this.clock;
      segment.load().catch(() => {}); // an error surfaces when the scan reaches it
    }
  }

  /** Read a segment as the most recently used, then trim the cache. */
  async use<T>(segment: Segment, read: (segment: Segment) => Promise<T>): Promise<T> {
    segment.lastUsed = ++this.clock;
    const result = await read(segment);
    this.evict();
    return result;
  }

  /** id → segment, from the ids files (built once, then kept up to date). */
  ids(): Promise<IdIndex> {
    this.idIndex ??= this.buildIdIndex().catch((err) => {
      this.idIndex = undefined; // an I/O error: build it again next time
      throw err;
    });
    return this.idIndex;
  }

  /** Unload the least recently used segments while more than `maxCachedEntries` are in memory. */
  private evict(): void {
    const loaded = this.segments.filter((s) => s.isLoaded);
    let total = loaded.reduce((n, s) => n + s.size, 0);
    if (total <= this.options.maxCachedEntries) return;
    for (const segment of loaded.sort((a, b) => a.lastUsed - b.lastUsed)) {
      if (total <= this.options.maxCachedEntries) break;
      if (this.pinned.has(segment) || this.dirty.has(segment)) continue;
      total -= segment.size;
      segment.unload();
    }
  }

  private async buildIdIndex(): Promise<IdIndex> {
    const bySegment = new Map<string, Segment>();
    const unindexed: Segment[] = [];
    const lists = await Promise.all(this.segments.map(async (segment) => [segment, await segment.ids()] as const));
    for (const [segment, ids] of lists) {
      if (!ids) unindexed.push(segment);
      else for (const id of ids) bySegment.set(id, segment);
    }
    return { bySegment, unindexed: unindexed.sort((a, b) => b.meta.maxTime - a.meta.maxTime) };
  }

  private segmentOf(meta: SegmentMeta): Segment {
    return new Segment(this.options.dir, meta, this.options.log, this.options.onRead);
  }

  private sort(): void {
    this.segments.sort((a, b) => a.day.localeCompare(b.day) || a.seq - b.seq);
  }
}
