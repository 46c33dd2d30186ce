/**
 * Records as rows of the audit tables, and the INSERT that writes a batch of them. Compressing the
 * trails is most of the work of a write (~70 µs a record on the dev VM), so it yields to the event
 * loop every few milliseconds.
 */
import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';
import type pg from 'pg';
import type { AuditRecord } from 'aurora';
import { INDEX_COLUMNS, INDEX_TYPES, indexColumnsOf, Params, toText } from './query.ts';
import { searchTextOf } from '../../record/search-text.ts';
import type { AuditSummary } from '../audit-store.ts';

const gzipAsync = promisify(gzip);

const SYNC_GZIP_CHARS = 64 * 1024;
const GZIP = { level: 1 };
const YIELD_EVERY_MS = 8;
const ROW_COLUMNS = [...INDEX_COLUMNS, 'search', 'summary', 'trail'] as const;
const ROW_TYPES = [...INDEX_TYPES, 'text', 'json', 'bytea'] as const;
/** PostgreSQL takes at most 65,535 parameters a statement, and a row takes one per column. */
export const MAX_ROWS_PER_INSERT = Math.floor(65_535 / ROW_COLUMNS.length);

export interface RowSource {
  record: AuditRecord;
  summary: AuditSummary;
  /** The search digest, when already computed (it is kept for later). */
  text?: string;
}

/** The row of each record, in ROW_COLUMNS order. */
export async function encodeRows(items: readonly RowSource[]): Promise<unknown[][]> {
  const rows: unknown[][] = [];
  let slice = performance.now();
  for (const item of items) {
    const text = (item.text ??= searchTextOf(item.record));
    rows.push([...indexColumnsOf(item.summary), toText(text), JSON.stringify(item.summary), await compressTrail(item.record)]);
    if (performance.now() - slice > YIELD_EVERY_MS) {
      // Let requests through between records: a batch of 1,000 is ~100 ms of CPU.
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
  }
  return rows;
}

/**
 * One statement for index rows and bodies: both are written or neither. Ids already stored are
 * skipped. A VALUES list with a parameter per cell: bodies travel as binary Buffers and nothing is
 * escaped into array literals (unnest over arrays measured 2x slower at 1,000 rows of ~10 KB).
 */
export async function insertRows(pool: pg.Pool, tables: { audit: string; bodies: string }, rows: readonly unknown[][]): Promise<void> {
  const params = new Params();
  const tuples = rows.map((row) => `(${row.map((value, c) => `${params.add(value)}::${ROW_TYPES[c]}`).join(', ')})`);
  await pool.query(
    `WITH input (${ROW_COLUMNS.join(', ')}) AS (VALUES ${tuples.join(', ')}),
     written AS (
       INSERT INTO ${tables.audit} (${INDEX_COLUMNS.join(', ')}, search, summary)
       SELECT ${INDEX_COLUMNS.join(', ')}, search, summary FROM input
       ON CONFLICT (id) DO NOTHING
       RETURNING id
     )
     INSERT INTO ${tables.bodies} (id, trail)
     SELECT input.id, input.trail FROM input JOIN written ON written.id = input.id
     WHERE input.trail IS NOT NULL
     ON CONFLICT (id) DO NOTHING`,
    params.values,
  );
}

/**
 * gzip'd trail JSON, at level 1: half the CPU of the default level for ~5% more bytes on Codex
 * traffic (measured on test/fixtures/codex), and the gateway's CPU is what each request waits on.
 * Small trails are compressed synchronously: an async zlib call costs more in setup than the work
 * itself for a 10 KB trail (as in ../lowdb/trail-codec.ts); large ones go to the thread pool.
 */
export async function compressTrail(record: AuditRecord): Promise<Buffer | null> {
  if (!record.trail) return null;
  const json = JSON.stringify(record.trail);
  return json.length < SYNC_GZIP_CHARS ? gzipSync(json, GZIP) : gzipAsync(json, GZIP);
}
