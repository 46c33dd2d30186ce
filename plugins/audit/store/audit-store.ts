/**
 * The storage contract of the audit plugin. The default implementation (`createAuditStore`, on
 * lowdb) lives in `lowdb/`, the PostgreSQL one in `postgres/`; any object with these methods can
 * replace it (`audit({ store })`).
 */
import type { AuditRecord, Logger, Outcome } from 'aurora';

/** A record without its bodies: what lists, exports, stats and the live tail deal in. */
export type AuditSummary = Omit<AuditRecord, 'trail'>;

/** `4xx`-style status classes accepted by the `status` filter. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx';

/** Every filter is optional; given ones must all match. */
export interface AuditFilters {
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  /** The model the client asked for; `*` matches any run of characters. */
  model?: string;
  provider?: string;
  /** An exact status or a class (`4xx`). */
  status?: number | StatusClass;
  /** `principal.id`. */
  principal?: string;
  outcome?: Outcome;
  stream?: boolean;
  /**
   * Words that must all appear (case-insensitive) in the record's search text: the head of the last
   * user message, the head of the final answer, tool names and the error message
   * (see ../record/search-text.ts).
   */
  q?: string;
}

export interface PageOptions {
  /** Default 50. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface AuditPage {
  /** Newest first (by `time`, then `id`). */
  data: AuditSummary[];
  /** Pass back for the next page; null on the last one. */
  nextCursor: string | null;
}

export type StatsBucket = 'minute' | 'hour' | 'day';
export type StatsGroup = 'model' | 'provider' | 'principal';

export interface StatsOptions {
  from: number;
  to: number;
  bucket: StatsBucket;
  groupBy: StatsGroup;
  /** Narrow the counted records further (time range comes from `from`/`to`). */
  filters?: Omit<AuditFilters, 'from' | 'to'>;
}

export interface StatsCounts {
  requests: number;
  /** Records with `outcome: 'error'` or a status of 400 or more. */
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  /** What the counted requests cost, in USD (requests without a known cost add nothing). */
  cost_usd: number;
  /** Requests that used tokens of a model without a price: their cost is missing from `cost_usd`. */
  unpriced: number;
}

export interface AuditStats {
  /** Every bucket from `from` to `to` (UTC-aligned), oldest first, empty ones included. */
  buckets: Array<{ t: number } & StatsCounts>;
  /** One row per model / provider / principal id (null when the record has none), most requests first. */
  groups: Array<{ key: string | null } & StatsCounts>;
}

export interface AuditStore {
  /**
   * Take finished records. Called once per request, after the client has its answer: it must be
   * cheap (enqueue and return) and write in batches later. Records are visible to `query`/`get`
   * at once; they are durable after `flush()`.
   */
  append(records: readonly AuditRecord[]): Promise<void>;
  query(filters: AuditFilters, page?: PageOptions): Promise<AuditPage>;
  get(id: string): Promise<AuditRecord | undefined>;
  stats(options: StatsOptions): Promise<AuditStats>;
  /** Remove records that started before `time` (epoch ms); resolves with how many went. */
  deleteOlderThan(time: number): Promise<number>;
  /** Write every pending record. */
  flush(): Promise<void>;
  /** Flush, stop timers, release files. */
  close(): Promise<void>;
}

/**
 * A store the plugin opens itself, in `setup` (so reading the config opens no connection), and
 * closes on shutdown: `postgresAuditStore({ url })`.
 */
export interface AuditStoreFactory {
  openAuditStore(context: { log: Logger }): Promise<AuditStore>;
}

/** A store several gateways share: it also hands each one the records the others write, for the live tail. */
export interface SharedAuditStore extends AuditStore {
  /** Calls `listener` with each record another gateway writes while `wanted()` holds; returns a stop function. */
  followOthers(listener: (summary: AuditSummary, searchText: string) => void, wanted: () => boolean): () => void;
}

/** Where a page ended: the last summary's sort key. */
export interface CursorPosition {
  time: number;
  id: string;
}

/** Opaque to clients: base64url of `[time, id]`. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.time, position.id])).toString('base64url');
}

/** The position in a cursor, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isFinite(value[0]) && typeof value[1] === 'string') {
      return { time: value[0] as number, id: value[1] };
    }
  } catch {
    // not base64url JSON: fall through
  }
  return undefined;
}
