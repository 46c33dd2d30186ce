/**
 * The write-behind queue both audit stores share: `append` only queues (it runs on every request),
 * a timer or a full batch writes, writes and retention run one at a time in call order, a failed
 * write puts its records back and is retried, and `close` writes whatever is left. Records stay
 * readable (`unwritten`) from the moment they are queued until they are written.
 */
import type { AuditRecord, Logger } from 'aurora';
import { summaryOf } from './filters.ts';
import type { AuditSummary } from './audit-store.ts';

export interface Unwritten {
  record: AuditRecord;
  summary: AuditSummary;
  /** The search text, made once when a query or the writer first needs it. */
  text?: string;
}

export interface WriteQueueOptions {
  maxBatch: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  /** A record's weight against `maxBatchBytes` (its trail's size). */
  sizeOf(record: AuditRecord): number;
  /** Write what is pending: take it with `takeAll`/`takeBatch`, `requeue` what failed, then throw. */
  write(): Promise<void>;
  log: Logger;
  /** Where the records go, named in the log when a write fails ("to PostgreSQL"); and log fields. */
  target?: string;
  logFields?: Record<string, unknown>;
}

export class WriteQueue {
  /** Every record not yet written (queued or in the write under way), by id. */
  readonly unwritten = new Map<string, Unwritten>();
  private pending: Unwritten[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private queuedFlush: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: WriteQueueOptions) {}

  get length(): number {
    return this.pending.length;
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit store is closed'));
    for (const record of records) {
      const item: Unwritten = { record, summary: summaryOf(record) };
      this.pending.push(item);
      this.unwritten.set(record.id, item);
      this.pendingBytes += this.options.sizeOf(record);
    }
    const { maxBatch, maxBatchBytes, flushIntervalMs } = this.options;
    if (this.pending.length >= maxBatch || this.pendingBytes >= maxBatchBytes) this.flushInBackground();
    else this.timer ??= setTimeout(() => this.flushInBackground(), flushIntervalMs).unref();
    return Promise.resolve();
  }

  /** Write everything pending; callers arriving while a flush is queued share it. */
  flush(): Promise<void> {
    if (this.queuedFlush) return this.queuedFlush;
    const run = this.exclusive(() => {
      this.queuedFlush = undefined;
      return this.options.write();
    });
    this.queuedFlush = run;
    return run;
  }

  /** Stop taking records and write what is left. */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.flush();
  }

  /** Run `work` after every write and retention step before it. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.then(() => {}, () => {});
    return run;
  }

  takeAll(): Unwritten[] {
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    return batch;
  }

  /** Up to `maxBatch` records or `maxBatchBytes` (at least one). */
  takeBatch(): Unwritten[] {
    let count = 0;
    let bytes = 0;
    while (count < this.pending.length && count < this.options.maxBatch) {
      const size = this.options.sizeOf(this.pending[count]!.record);
      if (count > 0 && bytes + size > this.options.maxBatchBytes) break;
      bytes += size;
      count++;
    }
    this.pendingBytes -= bytes;
    return this.pending.splice(0, count);
  }

  /** Back to the front of the queue, in order, after a failed write. */
  requeue(items: readonly Unwritten[]): void {
    this.pending.unshift(...items);
    for (const item of items) this.pendingBytes += this.options.sizeOf(item.record);
  }

  /** Written: no longer served from memory (unless queued again since). */
  written(items: readonly Unwritten[]): void {
    for (const item of items) if (this.unwritten.get(item.summary.id) === item) this.unwritten.delete(item.summary.id);
  }

  /** Retention for what is still queued; returns how many went. */
  dropOlderThan(time: number): number {
    const kept = this.pending.filter((item) => item.summary.time >= time);
    for (const item of this.pending) if (item.summary.time < time) this.unwritten.delete(item.summary.id);
    const removed = this.pending.length - kept.length;
    this.pending = kept;
    this.pendingBytes = kept.reduce((n, item) => n + this.options.sizeOf(item.record), 0);
    return removed;
  }

  private flushInBackground(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush().catch((err) => {
      const target = this.options.target ? ` ${this.options.target}` : '';
      this.options.log.error(`audit: writing records${target} failed; they stay queued and are retried`, { ...this.options.logFields, err });
      if (!this.closed && this.pending.length) this.timer ??= setTimeout(() => this.flushInBackground(), Math.max(1000, this.options.flushIntervalMs)).unref();
    });
  }
}
