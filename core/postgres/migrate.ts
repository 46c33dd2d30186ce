/**
 * Schema migrations, run by each store when it opens. Applied versions are rows of
 * `<schema>.schema_migrations` (component, version); a migration and its row commit together. Every
 * gateway runs this at start, so it holds a database-wide advisory lock: the first instance migrates,
 * the others wait, then find nothing to do. A database migrated by a newer Aurora is refused rather
 * than written with an older idea of its tables.
 */
import type pg from 'pg';
import type { Database } from './database.ts';

export interface Migration {
  version: number;
  description: string;
  /** SQL to run (may hold several statements); gets the database for schema-qualified names. */
  sql(db: Database): string;
}

// One lock for every schema: CREATE EXTENSION and the catalog rows of CREATE TABLE IF NOT EXISTS are
// database-wide, so two schemas migrated at once could still collide.
const LOCK = "hashtextextended('aurora schema migrations', 0)";

/** Applies the migrations of `component` that the database does not have yet; returns their versions. */
export async function migrate(db: Database, component: string, migrations: readonly Migration[]): Promise<number[]> {
  const table = db.table('schema_migrations');
  const client = await db.pool.connect();
  let failure: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK})`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
      component text NOT NULL,
      version integer NOT NULL,
      description text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (component, version))`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${table} WHERE component = $1`, [component]);
    const applied = new Set(rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...applied);
    if (newest > known) {
      throw new Error(`the ${component} tables in ${db.where} are at schema version ${newest}, newer than this Aurora knows (${known}): upgrade Aurora, or point it at another database or schema`);
    }
    const done: number[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (applied.has(m.version)) continue;
      await client.query(m.sql(db));
      await client.query(`INSERT INTO ${table} (component, version, description) VALUES ($1, $2, $3)`, [component, m.version, m.description]);
      done.push(m.version);
    }
    await client.query('COMMIT');
    return done;
  } catch (err) {
    failure = err instanceof Error ? err : new Error(String(err));
    await rollback(client);
    throw err;
  } finally {
    // After a failure the connection may be unusable: discard it rather than hand it to the next query.
    client.release(failure);
  }
}

async function rollback(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    // The connection itself failed: there is no transaction left to roll back.
  }
}
