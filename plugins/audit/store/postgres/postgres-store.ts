/**
 * The audit store on PostgreSQL, for several gateways sharing one audit trail (docs/scale.md).
 *
 *   audit({ store: postgresAuditStore({ url: process.env.AURORA_DATABASE_URL }) })
 *
 * Same contract as the lowdb store (../audit-store.ts; one test suite runs against both):
 * `append` only queues; a timer or a full batch writes the queue in one multi-row INSERT (index row
 * and gzip'd trail, one statement, so both or neither). Records still queued are listed and
 * readable from this gateway at once and from the others once written (within `flushIntervalMs`).
 * Lists page by (time, id) through the indexes; stats are one GROUP BY GROUPING SETS pass;
 * retention deletes in batches of `deleteBatch` rows, each its own short transaction.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { AuditRecord, Logger } from 'aurora';
import { checkPostgresOptions, openDatabase, sqlState, type Database, type PostgresOptions, migrate } from 'aurora/postgres';
import { compareNewestFirst, compileFilters, isAfterCursor } from '../filters.ts';
import { createRecordFeed, type ForeignRecordListener, type RecordFeed } from './feed.ts';
import { AUDIT_MIGRATIONS, AUDIT_TABLE, BODIES_TABLE } from './schema.ts';
import { filterConditions, Params, toText, whereSql } from './query.ts';
import { encodeRows, insertRows, MAX_ROWS_PER_INSERT } from './rows.ts';
import { queryStats } from './stats.ts';
import { searchTextOf } from '../../record/search-text.ts';
import { decodeCursor, encodeCursor, type AuditFilters, type AuditPage, type AuditStats, type AuditStoreFactory, type AuditSummary, type PageOptions, type SharedAuditStore, type StatsOptions } from '../audit-store.ts';
import { WriteQueue, type Unwritten } from '../write-queue.ts';

const gunzipAsync = promisify(gunzip);

export interface PostgresAuditStoreOptions extends PostgresOptions {
  /** Longest a record waits in memory before it is written (ms). Default 250. */
  flushIntervalMs?: number;
  /** Write at once when this many records wait; also the rows of one INSERT. Default 1000. */
  maxBatch?: number;
  /** …or when their bodies add up to this many bytes. Default 32 MB. */
  maxBatchBytes?: number;
  /** Rows removed per DELETE by retention. Default 10,000. */
  deleteBatch?: number;
}

/** Database work done, for tests and the benchmark. */
export interface PostgresStoreCounters {
  /** Batches written. */
  flushes: number;
  /** INSERT statements sent (one per batch; more when a batch held a record the database refused). */
  inserts: number;
  /** DELETE statements sent by retention. */
  deletes: number;
}

/**
 * For `audit({ store })`: the store is opened (pool, migrations) in the plugin's setup, not when the
 * config is read, and closed with the gateway.
 */
export function postgresAuditStore(options: PostgresAuditStoreOptions): AuditStoreFactory {
  checkPostgresOptions(options, 'postgresAuditStore');
  return { openAuditStore: ({ log }) => openPostgresAuditStore({ ...options, log }) };
}

/** Connects, creates or migrates the tables, and returns the open store. */
export async function openPostgresAuditStore(options: PostgresAuditStoreOptions & { log: Logger }): Promise<PostgresAuditStore> {
  const db = await openDatabase(options, options.log, 'audit');
  try {
    await migrate(db, 'audit', AUDIT_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw explainMigrationError(err, db);
  }
  return new PostgresAuditStore(db, options);
}

export class PostgresAuditStore implements SharedAuditStore {
  readonly counters: PostgresStoreCounters = { flushes: 0, inserts: 0, deletes: 0 };
  private readonly audit: string;
  private readonly bodies: string;
  private readonly deleteBatch: number;
  private readonly log: Logger;
  private readonly feed: RecordFeed;
  /** Records not yet committed (queued or in the INSERT under way); writes and retention in call order. */
  private readonly queue: WriteQueue;
  private closed = false;

  constructor(readonly db: Database, options: PostgresAuditStoreOptions & { log: Logger }) {
    this.audit = db.table(AUDIT_TABLE);
    this.bodies = db.table(BODIES_TABLE);
    this.queue = new WriteQueue({
      flushIntervalMs: options.flushIntervalMs ?? 250,
      maxBatch: Math.min(options.maxBatch ?? 1000, MAX_ROWS_PER_INSERT),
      // One statement must stay well under PostgreSQL's 1 GB message limit.
      maxBatchBytes: options.maxBatchBytes ?? 32 * 1024 * 1024,
      sizeOf: trailChars,
      write: () => this.writePending(),
      log: options.log,
      target: 'to PostgreSQL',
      logFields: { where: db.where },
    });
    this.deleteBatch = options.deleteBatch ?? 10_000;
    this.log = options.log;
    this.feed = createRecordFeed(db, this.audit, options.log);
  }

  append(records: readonly AuditRecord[]): Promise<void> {
    return this.queue.append(records);
  }

  flush(): Promise<void> {
    return this.queue.flush();
  }

  /** Number of records waiting to be written. */
  get queued(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.queue.close();
    } finally {
      await this.feed.close();
      await this.db.close();
    }
  }

  /** The records other gateways write, as they commit, for this gateway's live tail (feed.ts). */
  followOthers(listener: ForeignRecordListener, wanted: () => boolean): () => void {
    return this.feed.follow(listener, wanted);
  }

  async query(filters: AuditFilters, page: PageOptions = {}): Promise<AuditPage> {
    const limit = Math.max(1, Math.floor(page.limit ?? 50));
    const cursor = page.cursor ? decodeCursor(page.cursor) : undefined;
    if (page.cursor && !cursor) throw new TypeError('invalid cursor');
    // Taken before the SELECT: a record is removed from memory only once committed, so each one is
    // in this snapshot or visible to the SELECT (or both, hence the exclusion).
    const memory = this.matchUnwritten(filters).filter((item) => isAfterCursor(item, cursor));
    const params = new Params();
    const where = filterConditions(filters, params, [...this.queue.unwritten.keys()]);
    if (cursor) where.push(`(time, id) < (${params.add(cursor.time)}, ${params.add(toText(cursor.id))})`);
    const { rows } = await this.db.pool.query<{ summary: AuditSummary }>(
      `SELECT summary FROM ${this.audit} ${whereSql(where)} ORDER BY time DESC, id DESC LIMIT ${params.add(limit + 1)}`,
      params.values,
    );
    const found = [...memory, ...rows.map((r) => r.summary)].sort(compareNewestFirst);
    const data = found.slice(0, limit);
    const last = data.at(-1);
    return { data, nextCursor: found.length > limit && last ? encodeCursor(last) : null };
  }

  async get(id: string): Promise<AuditRecord | undefined> {
    const item = this.queue.unwritten.get(id);
    if (item) return item.record;
    const { rows } = await this.db.pool.query<{ summary: AuditSummary; trail: Buffer | null }>(
      `SELECT a.summary, b.trail FROM ${this.audit} a LEFT JOIN ${this.bodies} b ON b.id = a.id WHERE a.id = $1`,
      [toText(id)],
    );
    const row = rows[0];
    if (!row) return this.queue.unwritten.get(id)?.record; // appended while we looked
    const trail = row.trail ? JSON.parse((await gunzipAsync(row.trail)).toString('utf8')) : null;
    return { ...row.summary, trail };
  }

  stats(options: StatsOptions): Promise<AuditStats> {
    const filters: AuditFilters = { ...options.filters, from: options.from, to: options.to };
    return queryStats(this.db.pool, this.audit, options, this.matchUnwritten(filters), [...this.queue.unwritten.keys()]);
  }

  deleteOlderThan(time: number): Promise<number> {
    return this.queue.exclusive(async () => {
      let removed = this.queue.dropOlderThan(time);
      // Batches keep each transaction (and its locks and WAL) small while writes go on.
      for (;;) {
        this.counters.deletes++;
        const { rows } = await this.db.pool.query<{ n: number }>(
          `WITH gone AS (
             DELETE FROM ${this.audit} WHERE id IN (SELECT id FROM ${this.audit} WHERE time < $1 LIMIT $2) RETURNING id
           ), bodies AS (
             DELETE FROM ${this.bodies} WHERE id IN (SELECT id FROM gone)
           )
           SELECT count(*)::int AS n FROM gone`,
          [time, this.deleteBatch],
        );
        const n = rows[0]?.n ?? 0;
        removed += n;
        if (n < this.deleteBatch) return removed;
      }
    });
  }

  private matchUnwritten(filters: AuditFilters): AuditSummary[] {
    const match = compileFilters(filters);
    const out: AuditSummary[] = [];
    for (const item of this.queue.unwritten.values()) {
      if (match(item.summary, () => (item.text ??= searchTextOf(item.record)))) out.push(item.summary);
    }
    return out;
  }

  /** Compress the next batch while the database writes the last one (two cores do twice the work). */
  private async writePending(): Promise<void> {
    let writing: Promise<void> | undefined;
    try {
      while (this.queue.length) {
        const batch = this.queue.takeBatch();
        this.counters.flushes++;
        let rows: unknown[][];
        try {
          rows = await encodeRows(batch);
          await writing;
        } catch (err) {
          this.queue.requeue(batch);
          throw err;
        }
        writing = this.write(batch, rows);
        // Awaited on the next turn or below; not an unhandled rejection meanwhile.
        writing.catch(() => {});
      }
    } finally {
      await writing;
    }
  }

  /** Write one batch in one INSERT; on failure the batch goes back to the queue (or, refused, is dropped). */
  private async write(batch: Unwritten[], rows: unknown[][]): Promise<void> {
    try {
      await this.insert(rows);
    } catch (err) {
      if (!isDataError(err)) {
        this.queue.requeue(batch);
        throw err;
      }
      // One record the database refuses must not hold back the others forever: write them one by one.
      for (let i = 0; i < batch.length; i++) {
        try {
          await this.insert([rows[i]!]);
        } catch (one) {
          if (!isDataError(one)) {
            this.queue.requeue(batch.slice(i));
            throw one;
          }
          this.log.error('audit: PostgreSQL refused a record; it is dropped', { id: batch[i]!.summary.id, err: one });
        }
        this.queue.written([batch[i]!]);
      }
      return;
    }
    this.queue.written(batch);
    await this.feed.announce(batch.map((item) => item.summary.id))
      .catch((err) => this.log.warn('audit: could not announce written records to the other gateways’ live tails', { err }));
  }

  private async insert(rows: unknown[][]): Promise<void> {
    this.counters.inserts++;
    await insertRows(this.db.pool, { audit: this.audit, bodies: this.bodies }, rows);
  }
}

/** SQLSTATE class 22 (data exception) or 23 (integrity): retrying the same row cannot succeed. */
function isDataError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

function explainMigrationError(err: unknown, db: Database): Error {
  const state = sqlState(err);
  const message = (err as Error)?.message ?? String(err);
  if (/pg_trgm/.test(message) || state === '58P01') {
    return new Error(`audit: the pg_trgm extension is missing in ${db.where} and could not be created (${message}). Run, as a superuser of that database: CREATE EXTENSION pg_trgm; (Debian and the official images ship it with the server)`, { cause: err });
  }
  return new Error(`audit: cannot prepare the audit tables in ${db.where}: ${message}`, { cause: err });
}

function trailChars(record: AuditRecord): number {
  const t = record.trail;
  if (!t) return 0;
  return (t.clientRequest.body?.text.length ?? 0) + (t.upstreamRequest?.body?.text.length ?? 0)
    + (t.upstreamResponse?.body?.text.length ?? 0) + (t.clientResponse.body?.text.length ?? 0);
}
