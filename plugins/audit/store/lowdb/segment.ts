/**
 * One index file of the default store: up to `segmentSize` entries of one UTC day, in lowdb, with
 * the bodies of those entries in an append-only file of gzip members beside it, and the list of its
 * ids in a small text file (so `get(id)` finds the segment without parsing every index file).
 * Loaded on first use, unloaded when the store's cache is full; a write rewrites only this segment.
 */
import { open, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditTrail, Logger } from 'aurora';
import { Low } from 'lowdb';
import { TextFile } from 'lowdb/node';
import { compareNewestFirst } from '../filters.ts';
import { compactJsonFile } from './json-file.ts';
import type { AuditSummary, CursorPosition } from '../audit-store.ts';
import { inflate, trailAt, type TrailRef } from './trail-codec.ts';

/** A summary plus what the index adds: the search digest and where the bodies are. */
export interface IndexEntry extends AuditSummary {
  /** Lowercase search digest (../../record/search-text.ts). */
  $text: string;
  /** Where this record's trail is in the segment's body file (see TrailRef); null without bodies. */
  $body: TrailRef | null;
}

export interface SegmentFile {
  version: 1;
  entries: IndexEntry[];
}

/** What the manifest keeps per segment so a query can skip it unread. May be wider than the truth, never narrower. */
export interface SegmentMeta {
  id: string;
  count: number;
  minTime: number;
  maxTime: number;
}

export class Segment {
  readonly day: string;
  readonly seq: number;
  private db: Low<SegmentFile> | undefined;
  private loading: Promise<IndexEntry[]> | undefined;
  private sorted: IndexEntry[] | undefined;
  private byId: Map<string, IndexEntry> | undefined;
  /** Size of the body file; read once, then tracked (this process is the only writer). */
  private bodyBytes: number | undefined;
  private idsWriter: TextFile | undefined;
  /** The member read last, inflated: the records of one member are often read one after another (export). */
  private lastMember: { offset: number; inflated: Promise<Buffer> } | undefined;
  /** For the store's cache: when this segment was last read (a counter, not a clock). */
  lastUsed = 0;

  constructor(
    readonly dir: string,
    public meta: SegmentMeta,
    private readonly log: Logger,
    /** Called on each read of the index file (the store counts them). */
    private readonly onRead: () => void = () => {},
  ) {
    this.day = meta.id.slice(0, 10);
    this.seq = Number(meta.id.slice(11));
  }

  static idOf(day: string, seq: number): string {
    return `${day}.${String(seq).padStart(4, '0')}`;
  }

  get indexFile(): string {
    return join(this.dir, 'index', `${this.meta.id}.json`);
  }

  get bodyFile(): string {
    return join(this.dir, 'bodies', `${this.meta.id}.gz`);
  }

  get idsFile(): string {
    return join(this.dir, 'index', `${this.meta.id}.ids`);
  }

  get isLoaded(): boolean {
    return this.db !== undefined;
  }

  /** Forget the entries (the store's cache is full); only for a segment with nothing unwritten. */
  unload(): void {
    this.db = undefined;
    this.loading = undefined;
    this.sorted = undefined;
    this.byId = undefined;
  }

  /** The ids in this segment, from memory or the ids file; undefined when that file is missing (written by an older version, or lost). */
  async ids(): Promise<string[] | undefined> {
    if (this.db) return this.db.data.entries.map((e) => e.id);
    try {
      const text = await readFile(this.idsFile, 'utf8');
      return text ? text.split('\n') : [];
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** The entries (read from disk once). A file that does not parse is set aside, not overwritten. */
  load(): Promise<IndexEntry[]> {
    this.loading ??= this.read().catch((err) => {
      this.loading = undefined; // an I/O error: let the next reader try again
      throw err;
    });
    return this.loading;
  }

  private async read(): Promise<IndexEntry[]> {
    this.onRead();
    const db = new Low<SegmentFile>(compactJsonFile<SegmentFile>(this.indexFile), { version: 1, entries: [] });
    try {
      await db.read();
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      const aside = `${this.indexFile}.corrupt-${Date.now()}`;
      this.log.error('audit: an index file does not parse; moved aside, its records are no longer listed', { file: this.indexFile, movedTo: aside, err });
      await rename(this.indexFile, aside);
      db.data = { version: 1, entries: [] };
    }
    this.db = db;
    this.refreshMeta();
    return db.data.entries;
  }

  /** Entries newest first (sorted lazily after each change). */
  async newestFirst(): Promise<IndexEntry[]> {
    const entries = await this.load();
    this.sorted ??= [...entries].sort(compareNewestFirst);
    return this.sorted;
  }

  async find(id: string): Promise<IndexEntry | undefined> {
    const entries = await this.load();
    this.byId ??= new Map(entries.map((e) => [e.id, e]));
    return this.byId.get(id);
  }

  /** Only on a loaded segment (the store loads before it adds). */
  add(entries: IndexEntry[]): void {
    this.db!.data.entries.push(...entries);
    this.changed();
  }

  /** Drop entries older than `time`; returns how many went. */
  async dropOlderThan(time: number): Promise<number> {
    const entries = await this.load();
    const kept = entries.filter((e) => e.time >= time);
    this.db!.data.entries = kept;
    // The cached load must see the same list, or expired records stay listed until a restart.
    this.loading = Promise.resolve(kept);
    this.changed();
    return entries.length - kept.length;
  }

  get size(): number {
    return this.db?.data.entries.length ?? this.meta.count;
  }

  /** Index first, then the ids file: a missing or stale ids file only costs `get` a scan. */
  async write(): Promise<void> {
    const db = this.db!;
    await db.write();
    this.idsWriter ??= new TextFile(this.idsFile);
    await this.idsWriter.write(db.data.entries.map((e) => e.id).join('\n'));
  }

  /** Append gzip members; returns the offset of the first. */
  async appendBodies(bytes: Buffer): Promise<number> {
    const offset = this.bodyBytes ?? (await stat(this.bodyFile).then((s) => s.size, () => 0));
    try {
      const file = await open(this.bodyFile, 'a');
      try {
        await file.write(bytes);
      } finally {
        await file.close();
      }
    } catch (err) {
      this.bodyBytes = undefined; // a partial write may have happened: stat again next time
      throw err;
    }
    this.bodyBytes = offset + bytes.length;
    return offset;
  }

  /** The trail stored for `entry`; null when it has none or the file is gone (retention). */
  async readTrail(entry: IndexEntry): Promise<AuditTrail | null> {
    if (!entry.$body) return null;
    const [offset, length] = entry.$body;
    let member = this.lastMember;
    if (member?.offset !== offset) {
      const read = { offset, inflated: this.readMember(offset, length) };
      read.inflated.catch(() => this.lastMember === read && (this.lastMember = undefined));
      this.lastMember = member = read;
    }
    const inflated = await member.inflated;
    return inflated.length ? trailAt(inflated, entry.$body) : null;
  }

  /** A gzip member of the body file, inflated; empty when the file is gone. */
  private async readMember(offset: number, length: number): Promise<Buffer> {
    let file;
    try {
      file = await open(this.bodyFile, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw err;
    }
    try {
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, offset);
      return await inflate(buffer);
    } finally {
      await file.close();
    }
  }

  private changed(): void {
    this.sorted = undefined;
    this.byId = undefined;
    this.refreshMeta();
  }

  private refreshMeta(): void {
    const entries = this.db!.data.entries;
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (const e of entries) {
      if (e.time < minTime) minTime = e.time;
      if (e.time > maxTime) maxTime = e.time;
    }
    this.meta = entries.length ? { id: this.meta.id, count: entries.length, minTime, maxTime } : { ...this.meta, count: 0 };
  }
}

/** Index of the first entry after `cursor` in a newest-first array (binary search). */
export function firstAfter(entries: readonly CursorPosition[], cursor: CursorPosition): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareNewestFirst(entries[mid]!, cursor) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
