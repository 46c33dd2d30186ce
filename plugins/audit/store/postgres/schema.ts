/**
 * The audit tables in PostgreSQL (component `audit` in `schema_migrations`).
 *
 *   aurora_audit         one row per record: the columns the dashboard filters and counts on, the
 *                        search digest (`q`), and the summary as JSON (returned as stored)
 *   aurora_audit_bodies  the trail (four bodies and headers), gzip'd JSON, one row per record
 *
 * Version 2 adds `cost` (USD, null when unknown) and `unpriced` to `aurora_audit`, for the stats.
 *
 * Lists are newest first by (time, id), so every filter column gets an index ending in (time, id):
 * a filtered page walks one index backwards and stops after `limit` rows. `q` is a substring
 * search (as in the lowdb store), served by a pg_trgm GIN index on the digest.
 */
import type { Database, Migration } from 'aurora/postgres';

export const AUDIT_TABLE = 'aurora_audit';
export const BODIES_TABLE = 'aurora_audit_bodies';

export const AUDIT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'audit records, bodies, filter indexes, trigram search',
    sql: (db: Database) => {
      const audit = db.table(AUDIT_TABLE);
      const bodies = db.table(BODIES_TABLE);
      // COLLATE "C": ids, models… sort and compare by code point, as JavaScript does (the cursor
      // order must be the lowdb store's), and `deepseek-%` can use the btree index.
      return `
        CREATE EXTENSION IF NOT EXISTS pg_trgm;
        CREATE TABLE ${audit} (
          id text COLLATE "C" PRIMARY KEY,
          time double precision NOT NULL,
          model text COLLATE "C",
          provider text COLLATE "C",
          status integer NOT NULL,
          principal text COLLATE "C",
          outcome text COLLATE "C" NOT NULL,
          stream boolean NOT NULL,
          input_tokens double precision,
          output_tokens double precision,
          cached_tokens double precision,
          reasoning_tokens double precision,
          search text NOT NULL,
          summary json NOT NULL
        );
        CREATE INDEX aurora_audit_time ON ${audit} (time, id);
        CREATE INDEX aurora_audit_model ON ${audit} (model, time, id);
        CREATE INDEX aurora_audit_provider ON ${audit} (provider, time, id);
        CREATE INDEX aurora_audit_status ON ${audit} (status, time, id);
        CREATE INDEX aurora_audit_principal ON ${audit} (principal, time, id);
        CREATE INDEX aurora_audit_outcome ON ${audit} (outcome, time, id);
        DO $aurora$
        DECLARE ext name;
        BEGIN
          -- The operator class lives wherever pg_trgm was installed, which need not be on our search_path.
          SELECT n.nspname INTO ext FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
          EXECUTE format('CREATE INDEX aurora_audit_search ON %s USING gin (search %I.gin_trgm_ops)', ${literal(audit)}, ext);
        END $aurora$;
        CREATE TABLE ${bodies} (
          id text COLLATE "C" PRIMARY KEY,
          trail bytea NOT NULL
        );
        -- Already gzip'd: PostgreSQL's own compression would only spend CPU on it.
        ALTER TABLE ${bodies} ALTER COLUMN trail SET STORAGE EXTERNAL;
      `;
    },
  },
  {
    version: 2,
    description: 'what each request cost (USD), and whether its model had no price',
    sql: (db: Database) => {
      const audit = db.table(AUDIT_TABLE);
      // Records written before have no cost: null, and not unpriced (nothing was known then). The
      // summary JSON of new rows holds both fields too; the columns are what stats add up.
      return `
        ALTER TABLE ${audit} ADD COLUMN cost double precision, ADD COLUMN unpriced boolean NOT NULL DEFAULT false;
      `;
    },
  },
];

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
