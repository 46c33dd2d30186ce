/**
 * The connection the PostgreSQL stores share: a `pg` pool, the schema their tables live in, and a
 * printable name for logs and messages. The audit and auth plugins each open one (through
 * `aurora/postgres`), so a gateway with both opens two small pools, one per store.
 */
import type pg from 'pg';
import { StartupError } from '../errors.ts';
import type { Logger } from '../logger.ts';

export interface PostgresOptions {
  /**
   * `postgres://user:password@host:5432/database` (libpq URL; `?sslmode=require` and the other
   * libpq parameters work). Required unless `pool` is given. Keep it in the environment: it may
   * hold a password.
   */
  url?: string;
  /** A pool of your own instead of `url`; the store then leaves it open on close. */
  pool?: pg.Pool;
  /** The PostgreSQL schema of Aurora's tables, created when missing. Default `public`. */
  schema?: string;
  /** Connections in the store's pool. Default 10. */
  maxConnections?: number;
}

export interface Database {
  readonly pool: pg.Pool;
  /** The schema, quoted for SQL: `"public"`. */
  readonly schema: string;
  /** `postgres://user@host:port/db` (no password), for messages. */
  readonly where: string;
  /** `"schema"."name"`, for a table, sequence or function of this schema. */
  table(name: string): string;
  close(): Promise<void>;
}

/** Checks options in the plugin factory, so a missing URL fails at startup with the option's name. */
export function checkPostgresOptions(options: PostgresOptions, who: string): void {
  if (!options.pool && !(typeof options.url === 'string' && options.url.trim())) {
    throw new StartupError('AURORA_ERR_CONFIG_INVALID', `${who}: url is required (postgres://user:password@host:5432/database), or pass a pg pool as pool`);
  }
  if (options.schema !== undefined && !(typeof options.schema === 'string' && options.schema && options.schema.length <= 63)) {
    throw new StartupError('AURORA_ERR_CONFIG_INVALID', `${who}: schema must be a PostgreSQL schema name (1 to 63 characters)`);
  }
  const max = options.maxConnections;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new StartupError('AURORA_ERR_CONFIG_INVALID', `${who}: maxConnections must be a whole number of at least 1`);
  }
}

/**
 * Creates the pool (no connection is made until the first query). `pg` is loaded here, not at import,
 * so a gateway on the default stores never pays for it (~70 ms).
 */
export async function openDatabase(options: PostgresOptions, log: Logger | undefined, who: string): Promise<Database> {
  checkPostgresOptions(options, who);
  const owned = !options.pool;
  const { default: pg } = await import('pg');
  const pool = options.pool ?? new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    application_name: `aurora ${who}`,
    // A server that does not answer must not hold requests (key lookups, limits) for long.
    connectionTimeoutMillis: 5_000,
  });
  // An idle client that loses its server emits 'error' on the pool; unhandled, it would end the process.
  const onError = (err: Error) => log?.error(`${who}: a PostgreSQL connection failed`, { err });
  pool.on('error', onError);
  const schema = quoteIdent(options.schema ?? 'public');
  let closing: Promise<void> | undefined;
  return {
    pool,
    schema,
    where: describeUrl(options.url),
    table: (name) => `${schema}.${quoteIdent(name)}`,
    close() {
      if (!closing) {
        pool.off('error', onError);
        closing = owned ? pool.end() : Promise.resolve();
      }
      return closing;
    },
  };
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The URL without its password (or a placeholder for a caller's own pool). */
export function describeUrl(url: string | undefined): string {
  if (!url) return 'postgres (pool given)';
  try {
    const u = new URL(url);
    u.password = '';
    u.search = '';
    return u.toString();
  } catch {
    return 'postgres (connection string)';
  }
}

/** SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}
