/**
 * Managed keys and their rate-limit counters in PostgreSQL (component `keys` in `schema_migrations`).
 *
 *   aurora_keys        one row per key, as keys.json holds them (hash of the secret, never the key);
 *                      `version` comes from a sequence on every change, so `max(version)` tells a
 *                      gateway whether its copy is stale
 *   aurora_key_usage   requests and tokens per key and wall-clock second, last 60 s (UNLOGGED: after a
 *                      database crash the counters start afresh, as a restarted gateway's would)
 *   aurora_admit()     counts and admits one request atomically (see postgres-limits.ts)
 */
import type { Database } from '../postgres/database.ts';
import type { Migration } from '../postgres/migrate.ts';

export const KEYS_TABLE = 'aurora_keys';
export const KEYS_VERSION_SEQUENCE = 'aurora_keys_version';
export const USAGE_TABLE = 'aurora_key_usage';
export const ADMIT_FUNCTION = 'aurora_admit';

export const KEYS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'managed keys, per-second usage counters, aurora_admit()',
    sql: (db: Database) => {
      const keys = db.table(KEYS_TABLE);
      const usage = db.table(USAGE_TABLE);
      const version = db.table(KEYS_VERSION_SEQUENCE);
      return `
        CREATE SEQUENCE ${version};
        CREATE TABLE ${keys} (
          id text COLLATE "C" PRIMARY KEY,
          name text NOT NULL,
          hash text NOT NULL,
          created_at timestamptz NOT NULL,
          created_by text NOT NULL,
          expires_at timestamptz,
          models json,
          rpm integer,
          tpm bigint,
          admin boolean NOT NULL DEFAULT false,
          revoked_at timestamptz,
          version bigint NOT NULL DEFAULT nextval('${version.replace(/'/g, "''")}')
        );
        CREATE INDEX aurora_keys_by_version ON ${keys} (version);
        CREATE UNLOGGED TABLE ${usage} (
          key_id text COLLATE "C" NOT NULL,
          second bigint NOT NULL,
          requests integer NOT NULL DEFAULT 0,
          tokens bigint NOT NULL DEFAULT 0,
          PRIMARY KEY (key_id, second)
        );
        ${admitFunction(db)}
      `;
    },
  },
];

/**
 * One call per request of a limited key: under a per-key advisory lock (so two gateways cannot both
 * take the last slot), forget seconds older than the window, refuse on tpm or rpm with the ms until
 * room comes back, else count the request. No row: admitted. The clock is the database's unless
 * `p_now_ms` is given (tests), so gateways with skewed clocks still share one window.
 */
function admitFunction(db: Database): string {
  const usage = db.table(USAGE_TABLE);
  return `
    CREATE FUNCTION ${db.table(ADMIT_FUNCTION)}(p_key text, p_rpm integer, p_tpm bigint, p_now_ms double precision DEFAULT NULL)
    RETURNS TABLE (kind text, retry_after_ms double precision)
    LANGUAGE plpgsql AS $aurora$
    DECLARE
      now_ms double precision := coalesce(p_now_ms, extract(epoch FROM clock_timestamp()) * 1000);
      now_s bigint := floor(now_ms / 1000);
      used bigint;
      r record;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended('aurora_admit:' || p_key, 0));
      -- A request counted in second s leaves the window at (s + 60) s.
      DELETE FROM ${usage} AS u WHERE u.key_id = p_key AND u.second <= now_s - 60;
      IF p_tpm IS NOT NULL THEN
        SELECT coalesce(sum(u.tokens), 0) INTO used FROM ${usage} AS u WHERE u.key_id = p_key;
        IF used >= p_tpm THEN
          FOR r IN SELECT u.second, u.tokens FROM ${usage} AS u WHERE u.key_id = p_key AND u.tokens > 0 ORDER BY u.second LOOP
            used := used - r.tokens;
            IF used < p_tpm THEN
              RETURN QUERY SELECT 'tpm'::text, (r.second + 60) * 1000 - now_ms;
              RETURN;
            END IF;
          END LOOP;
        END IF;
      END IF;
      IF p_rpm IS NOT NULL THEN
        SELECT coalesce(sum(u.requests), 0) INTO used FROM ${usage} AS u WHERE u.key_id = p_key;
        IF used >= p_rpm THEN
          FOR r IN SELECT u.second, u.requests FROM ${usage} AS u WHERE u.key_id = p_key AND u.requests > 0 ORDER BY u.second LOOP
            used := used - r.requests;
            IF used < p_rpm THEN
              RETURN QUERY SELECT 'rpm'::text, (r.second + 60) * 1000 - now_ms;
              RETURN;
            END IF;
          END LOOP;
        END IF;
        INSERT INTO ${usage} AS u (key_id, second, requests) VALUES (p_key, now_s, 1)
          ON CONFLICT (key_id, second) DO UPDATE SET requests = u.requests + 1;
      END IF;
    END
    $aurora$;
  `;
}
