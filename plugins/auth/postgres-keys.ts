/**
 * Managed keys in PostgreSQL, for several gateways sharing one set of keys and one set of limits:
 *
 *   auth({ store: postgresKeyStore({ url: process.env.AURORA_DATABASE_URL }) })
 *
 * The same KeyStore as keys.json (keys.ts): reads are served from memory; a key created through any
 * gateway (or `node core keys`) is found on its first use (an unknown id is looked up), and a
 * revocation anywhere is seen by every gateway within `pollMs` (each polls `max(version)`, one
 * index probe). Limits go through `createPostgresLimiter` on the same pool.
 */
import type { Logger } from 'aurora';
import { checkPostgresOptions, openDatabase, sqlState, type Database, type PostgresOptions, migrate } from 'aurora/postgres';
import type { KeyChanges, KeyRecord, KeyStore, NewKey } from './keys.ts';
import type { KeyStoreFactory, OpenedKeyStore } from './options.ts';
import { createPostgresLimiter } from './postgres-limits.ts';
import { createPostgresSpendLedger } from './postgres-spend.ts';
import { KEYS_MIGRATIONS, KEYS_TABLE, KEYS_VERSION_SEQUENCE } from './postgres-schema.ts';
import { generateKey, generateKeyId, hashSecret, parseManagedKey, secretMatches } from './secret.ts';

export interface PostgresKeyStoreOptions extends PostgresOptions {
  /** How often each gateway checks for keys created or revoked elsewhere (ms). Default 1000. */
  pollMs?: number;
}

interface KeyRow {
  id: string;
  name: string;
  hash: string;
  created_by: string;
  models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  budget_day: number | null;
  budget_month: number | null;
  admin: boolean;
  created_ms: number;
  expires_ms: number | null;
  revoked_ms: number | null;
}

const SWEEP_EVERY_MS = 60_000;
const LOG_EVERY_MS = 10_000;

/** For `auth({ store })`: opened in the plugin's setup (or by `node core keys`), closed with it. */
export function postgresKeyStore(options: PostgresKeyStoreOptions): KeyStoreFactory {
  checkPostgresOptions(options, 'postgresKeyStore');
  return { openKeyStore: (context) => openPostgresKeyStore({ ...options, ...context }) };
}

export async function openPostgresKeyStore(options: PostgresKeyStoreOptions & { watch?: boolean; log?: Logger; now?: () => number }): Promise<OpenedKeyStore & { keys: PostgresKeyStore; spend: ReturnType<typeof createPostgresSpendLedger> }> {
  const db = await openDatabase(options, options.log, 'auth');
  try {
    await migrate(db, 'keys', KEYS_MIGRATIONS);
    const limiter = createPostgresLimiter(db, { log: options.log, now: options.now });
    const spend = createPostgresSpendLedger(db, { log: options.log, now: options.now });
    const keys = new PostgresKeyStore(db, options.log);
    await keys.refresh();
    if (options.watch) keys.startPolling(options.pollMs ?? 1000, async () => void (await Promise.all([limiter.sweep(), spend.sweep()])));
    return { keys, limiter, spend };
  } catch (err) {
    await db.close();
    throw new Error(`auth: cannot open the key store in ${db.where}: ${(err as Error)?.message ?? err}`, { cause: err });
  }
}

export class PostgresKeyStore implements KeyStore {
  readonly file: string;
  private readonly table: string;
  /** The version sequence, as a quoted regclass literal for nextval(). */
  private readonly sequence: string;
  private byId = new Map<string, KeyRecord>();
  /** `max(version)` of the rows in memory. */
  private seen = '';
  private queuedRefresh: Promise<void> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private lastLogged = -Infinity;

  constructor(readonly db: Database, private readonly log?: Logger) {
    this.table = db.table(KEYS_TABLE);
    this.sequence = `'${db.table(KEYS_VERSION_SEQUENCE).replace(/'/g, "''")}'`;
    this.file = `${db.where} (table ${KEYS_TABLE})`;
  }

  async create(input: NewKey): Promise<{ key: string; record: KeyRecord }> {
    for (;;) {
      const id = generateKeyId();
      const { key, secret } = generateKey(id);
      const { rows } = await this.db.pool.query<KeyRow>(
        `INSERT INTO ${this.table} (id, name, hash, created_at, created_by, expires_at, models, rpm, tpm, admin, budget_day, budget_month)
         VALUES ($1, $2, $3, to_timestamp($4::float8 / 1000), $5, to_timestamp($6::float8 / 1000), $7::json, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${COLUMNS}`,
        [id, input.name, hashSecret(secret), Date.now(), input.createdBy ?? 'cli', input.expiresAt ? Date.parse(input.expiresAt) : null,
          input.models ? JSON.stringify(input.models) : null, input.rpm ?? null, input.tpm ?? null, input.admin ?? false, input.budgetDay ?? null, input.budgetMonth ?? null],
      );
      // 48 random bits: a clash is all but impossible, but a second try costs nothing.
      if (!rows[0]) continue;
      const record = toRecord(rows[0]);
      this.byId.set(record.id, record);
      return { key, record };
    }
  }

  async revoke(id: string): Promise<KeyRecord | undefined> {
    // Revoking twice keeps the first revokedAt (and does not bump the version).
    let { rows } = await this.db.pool.query<KeyRow>(
      `UPDATE ${this.table} SET revoked_at = to_timestamp($2::float8 / 1000), version = nextval(${this.sequence})
       WHERE id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [id, Date.now()],
    );
    if (!rows[0]) ({ rows } = await this.db.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [id]));
    if (!rows[0]) return undefined;
    const record = toRecord(rows[0]);
    this.byId.set(record.id, record);
    return record;
  }

  async update(id: string, changes: KeyChanges): Promise<KeyRecord | undefined> {
    const sets: string[] = [];
    const values: unknown[] = [id];
    const set = (column: string, value: unknown, cast = '') => sets.push(`${column} = $${values.push(value)}${cast}`);
    if (changes.name !== undefined) set('name', changes.name);
    if (changes.models !== undefined) set('models', changes.models ? JSON.stringify(changes.models) : null, '::json');
    if (changes.rpm !== undefined) set('rpm', changes.rpm);
    if (changes.tpm !== undefined) set('tpm', changes.tpm);
    if (changes.budgetDay !== undefined) set('budget_day', changes.budgetDay);
    if (changes.budgetMonth !== undefined) set('budget_month', changes.budgetMonth);
    if (changes.expiresAt !== undefined) sets.push(`expires_at = to_timestamp($${values.push(changes.expiresAt ? Date.parse(changes.expiresAt) : null)}::float8 / 1000)`);
    if (changes.admin !== undefined) set('admin', changes.admin);
    // The version bump tells the other gateways to re-read their keys.
    const { rows } = await this.db.pool.query<KeyRow>(
      `UPDATE ${this.table} SET ${[...sets, `version = nextval(${this.sequence})`].join(', ')} WHERE id = $1 RETURNING ${COLUMNS}`,
      values,
    );
    if (!rows[0]) return undefined;
    const record = toRecord(rows[0]);
    this.byId.set(record.id, record);
    return record;
  }

  get(id: string): KeyRecord | undefined {
    return this.byId.get(id);
  }

  list(): KeyRecord[] {
    return [...this.byId.values()];
  }

  async verify(presented: string): Promise<KeyRecord | undefined> {
    const parsed = parseManagedKey(presented);
    if (!parsed) return undefined;
    let record = this.byId.get(parsed.id);
    if (!record) {
      // Perhaps another gateway or the CLI created it a moment ago.
      const { rows } = await this.db.pool.query<KeyRow>(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`, [parsed.id]);
      if (rows[0]) this.byId.set(parsed.id, (record = toRecord(rows[0])));
    }
    return record && secretMatches(parsed.secret, record.hash) ? record : undefined;
  }

  /** Re-read every key if any changed since the last look (one index probe when none did). */
  refresh(): Promise<void> {
    this.queuedRefresh ??= (async () => {
      try {
        const { rows } = await this.db.pool.query<{ v: string }>(`SELECT coalesce(max(version), 0)::text AS v FROM ${this.table}`);
        const version = rows[0]?.v ?? '0';
        if (version === this.seen) return;
        const all = await this.db.pool.query<KeyRow & { v: string }>(`SELECT ${COLUMNS}, version::text AS v FROM ${this.table}`);
        this.byId = new Map(all.rows.map((row) => [row.id, toRecord(row)]));
        this.seen = all.rows.reduce((max, row) => (BigInt(row.v) > BigInt(max) ? row.v : max), '0');
      } finally {
        this.queuedRefresh = undefined;
      }
    })();
    return this.queuedRefresh;
  }

  /** Follow other gateways' changes; keep serving the keys in memory while the database is away. */
  startPolling(pollMs: number, sweep: () => Promise<void>): void {
    this.poll = setInterval(() => void this.refresh().catch((err) => this.failed('check for key changes', err)), pollMs);
    this.poll.unref();
    this.sweep = setInterval(() => void sweep().catch((err) => this.failed('clear old rate-limit counters', err)), SWEEP_EVERY_MS);
    this.sweep.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.poll);
    clearInterval(this.sweep);
    await this.queuedRefresh?.catch(() => {});
    await this.db.close();
  }

  private failed(what: string, err: unknown): void {
    if (Date.now() - this.lastLogged < LOG_EVERY_MS) return;
    this.lastLogged = Date.now();
    this.log?.error(`auth: could not ${what} in PostgreSQL; keeping the keys loaded before`, { where: this.db.where, code: sqlState(err), err });
  }
}

const COLUMNS = `id, name, hash, created_by, models, rpm, tpm::float8 AS tpm, budget_day, budget_month, admin,
  extract(epoch FROM created_at)::float8 * 1000 AS created_ms,
  extract(epoch FROM expires_at)::float8 * 1000 AS expires_ms,
  extract(epoch FROM revoked_at)::float8 * 1000 AS revoked_ms`;

function toRecord(row: KeyRow): KeyRecord {
  const iso = (ms: number | null) => (ms === null ? null : new Date(Math.round(ms)).toISOString());
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    createdAt: iso(row.created_ms)!,
    createdBy: row.created_by,
    expiresAt: iso(row.expires_ms),
    models: row.models,
    rpm: row.rpm,
    tpm: row.tpm,
    budgetDay: row.budget_day,
    budgetMonth: row.budget_month,
    admin: row.admin,
    revokedAt: iso(row.revoked_ms),
  };
}
