/**
 * The responses store on PostgreSQL, for several gateways behind a load balancer (docs/scale.md):
 *
 *   responsesStore({ store: postgresResponseStore({ url: process.env.AURORA_DATABASE_URL }) })
 *
 * `put` is one statement (the response row and the rows of the items it introduces) and resolves
 * once committed, so a response is readable from every gateway before its client has it. A chain
 * is one recursive query, bounded by the caller's limit. Owner records of passthrough responses
 * are batched (one INSERT per `flushIntervalMs`): they are read only to route and refuse, never to
 * build a request. Retention deletes in batches of `deleteBatch` rows.
 */
import type { JsonObject, Logger } from 'aurora';
import { checkPostgresOptions, migrate, openDatabase, type Database, type PostgresOptions } from 'aurora/postgres';
import type { ChainResult, ResponseHolder, ResponseOwner, ResponseStore, ResponseStoreFactory, StoredResponse } from './response-store.ts';
import { ITEMS_TABLE, OWNERS_TABLE, RESPONSES_MIGRATIONS, RESPONSES_TABLE } from './postgres-schema.ts';

export interface PostgresResponseStoreOptions extends PostgresOptions {
  /** Longest a passthrough owner record waits before it is written (ms). Default 200. */
  flushIntervalMs?: number;
  /** Rows removed per DELETE by retention. Default 10,000. */
  deleteBatch?: number;
}

/** For `responsesStore({ store })`: opened (pool, migrations) in the plugin's setup, closed with the gateway. */
export function postgresResponseStore(options: PostgresResponseStoreOptions): ResponseStoreFactory {
  checkPostgresOptions(options, 'postgresResponseStore');
  return { openResponseStore: ({ log }) => openPostgresResponseStore({ ...options, log }) };
}

export async function openPostgresResponseStore(options: PostgresResponseStoreOptions & { log: Logger }): Promise<PostgresResponseStore> {
  const db = await openDatabase(options, options.log, 'responses');
  try {
    await migrate(db, 'responses', RESPONSES_MIGRATIONS);
  } catch (err) {
    await db.close();
    throw new Error(`responses-store: cannot prepare the responses tables in ${db.where}: ${(err as Error)?.message ?? err}`, { cause: err });
  }
  return new PostgresResponseStore(db, options);
}

interface ResponseRow {
  id: string;
  owner: string;
  provider: string;
  model: string;
  previous_id: string | null;
  depth: number;
  created_at: string;
  expires_at: string;
  input: string;
  response: string;
}

const COLUMNS = 'id, owner, provider, model, previous_id, depth, created_at, expires_at, input, response';

export class PostgresResponseStore implements ResponseStore {
  private readonly responses: string;
  private readonly itemsTable: string;
  private readonly owners: string;
  private readonly log: Logger;
  private readonly flushIntervalMs: number;
  private readonly deleteBatch: number;
  private pending: ResponseOwner[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(readonly db: Database, options: PostgresResponseStoreOptions & { log: Logger }) {
    this.responses = db.table(RESPONSES_TABLE);
    this.itemsTable = db.table(ITEMS_TABLE);
    this.owners = db.table(OWNERS_TABLE);
    this.log = options.log;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.deleteBatch = options.deleteBatch ?? 10_000;
  }

  async put(r: StoredResponse): Promise<void> {
    const ids: string[] = [];
    const bodies: string[] = [];
    const seen = new Set<string>();
    for (const item of [...r.input, ...(Array.isArray(r.response.output) ? r.response.output : [])]) {
      const id = item?.id;
      if (typeof id !== 'string' || id === '' || seen.has(id)) continue;
      seen.add(id);
      ids.push(id);
      bodies.push(JSON.stringify(item));
    }
    // One statement: the response and its items commit together. An item another response of the
    // owner introduced first stays that one's.
    await this.db.pool.query(
      `WITH r AS (
         INSERT INTO ${this.responses} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id
       )
       INSERT INTO ${this.itemsTable} (owner, id, response_id, item)
       SELECT $2, i.id, r.id, i.item FROM r, unnest($11::text[], $12::text[]) AS i(id, item)
       ON CONFLICT (owner, id) DO NOTHING`,
      [r.id, r.owner, r.provider, r.model, r.previousId, r.depth, r.createdAt, r.expiresAt, JSON.stringify(r.input), JSON.stringify(r.response), ids, bodies],
    );
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const { rows } = await this.db.pool.query<ResponseRow>(`SELECT ${COLUMNS} FROM ${this.responses} WHERE id = $1 AND expires_at > $2`, [id, Date.now()]);
    return rows[0] && fromRow(rows[0]);
  }

  async chain(id: string, limit: number): Promise<ChainResult> {
    const { rows } = await this.db.pool.query<ResponseRow & { hop: number }>(
      `WITH RECURSIVE chain AS (
         SELECT ${COLUMNS}, 1 AS hop FROM ${this.responses} WHERE id = $1 AND expires_at > $3
         UNION ALL
         SELECT ${COLUMNS.split(', ').map((c) => `r.${c}`).join(', ')}, c.hop + 1
         FROM ${this.responses} r JOIN chain c ON r.id = c.previous_id
         WHERE c.hop < $2 AND r.expires_at > $3
       )
       SELECT * FROM chain ORDER BY hop DESC`,
      [id, limit, Date.now()],
    );
    if (rows.length === 0) return { responses: [], missing: id };
    const responses = rows.map(fromRow);
    const oldest = responses[0]!;
    return oldest.previousId === null ? { responses } : { responses, missing: oldest.previousId };
  }

  async items(owner: string, ids: readonly string[]): Promise<Map<string, JsonObject>> {
    const found = new Map<string, JsonObject>();
    if (ids.length === 0) return found;
    const { rows } = await this.db.pool.query<{ id: string; item: string }>(
      `SELECT i.id, i.item FROM ${this.itemsTable} i JOIN ${this.responses} r ON r.id = i.response_id
       WHERE i.owner = $1 AND i.id = ANY($2::text[]) AND r.expires_at > $3`,
      [owner, [...new Set(ids)], Date.now()],
    );
    for (const row of rows) found.set(row.id, JSON.parse(row.item) as JsonObject);
    return found;
  }

  async delete(id: string, owner: string): Promise<boolean> {
    const { rowCount } = await this.db.pool.query(`DELETE FROM ${this.responses} WHERE id = $1 AND owner = $2 AND expires_at > $3`, [id, owner, Date.now()]);
    return (rowCount ?? 0) > 0;
  }

  async holder(id: string): Promise<ResponseHolder | undefined> {
    const { rows } = await this.db.pool.query<{ kind: 'stored' | 'passthrough'; owner: string; provider: string }>(
      `SELECT 'stored' AS kind, owner, provider FROM ${this.responses} WHERE id = $1 AND expires_at > $2
       UNION ALL
       SELECT 'passthrough', owner, provider FROM ${this.owners} WHERE id = $1 AND expires_at > $2
       LIMIT 1`,
      [id, Date.now()],
    );
    const row = rows[0];
    return row && { kind: row.kind, owner: row.owner, provider: row.provider };
  }

  recordOwner(owner: ResponseOwner): void {
    if (this.closed) return;
    this.pending.push(owner);
    this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs).unref();
  }

  async sweep(now: number): Promise<number> {
    await this.flush();
    let removed = 0;
    for (const table of [this.responses, this.owners]) {
      for (;;) {
        const { rowCount } = await this.db.pool.query(`DELETE FROM ${table} WHERE id IN (SELECT id FROM ${table} WHERE expires_at <= $1 LIMIT $2)`, [now, this.deleteBatch]);
        removed += rowCount ?? 0;
        if ((rowCount ?? 0) < this.deleteBatch) break;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.db.close();
  }

  /** Writes the owner records that wait, in one INSERT; a failure is logged and they are dropped. */
  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return this.writing;
    this.pending = [];
    const write = this.db.pool.query(
      `INSERT INTO ${this.owners} (id, owner, provider, expires_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) ON CONFLICT (id) DO NOTHING`,
      [batch.map((o) => o.id), batch.map((o) => o.owner), batch.map((o) => o.provider), batch.map((o) => o.expiresAt)],
    ).then(
      () => undefined,
      // Owner records only sharpen errors and routing: losing a batch must not stop anything.
      (err) => this.log.error('responses-store: could not write passthrough owner records', { where: this.db.where, records: batch.length, err }),
    );
    this.writing = this.writing.then(() => write);
    return this.writing;
  }
}

function fromRow(row: ResponseRow): StoredResponse {
  return {
    id: row.id,
    owner: row.owner,
    provider: row.provider,
    model: row.model,
    previousId: row.previous_id,
    depth: row.depth,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    input: JSON.parse(row.input) as JsonObject[],
    response: JSON.parse(row.response) as JsonObject,
  };
}
