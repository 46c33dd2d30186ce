/**
 * Managed keys and their rate-limit counters in PostgreSQL (component `keys` in `schema_migrations`).
 *
 *   aurora_keys        one row per key, as keys.json holds them (hash of the secret, never the key);
 *                      `version` comes from a sequence on every change, so `max(version)` tells a
 *                      gateway whether its copy is stale
 *   aurora_key_usage   requests and tokens per key and wall-clock second, last 60 s (UNLOGGED: after a
 *                      database crash the counters start afresh, as a restarted gateway's would)
 *   aurora_admit()     counts and admits one request atomically (see postgres-limits.ts)
 *
 * Version 2 (tpm against what is in flight):
 *
 *   aurora_key_reservations   tokens held by requests in flight, one row each, until they are settled
 *                             or expire (UNLOGGED, like the counters)
 *   aurora_admit()            replaced: its tpm check counts the reservations as well
 *   aurora_reserve()          checks tpm (window + in flight) and holds a request's estimate, atomically
 *   aurora_settle()           drops a reservation and counts the tokens really used, in one step
 *   aurora_tpm_wait()         the tpm check aurora_admit() and aurora_reserve() share (ms to wait, or null)
 *
 * Version 3 (budgets):
 *
 *   aurora_keys.budget_day, .budget_month   USD per UTC day and month; null: no limit
 *   aurora_key_spend                        USD spent per key, period (`day`, `month`) and the UTC date
 *                                           the period starts (logged: spend survives a crash)
 *
 * An applied migration is never edited: a change is a new version.
 */
import type { Database, Migration } from 'aurora/postgres';

export const KEYS_TABLE = 'aurora_keys';
export const KEYS_VERSION_SEQUENCE = 'aurora_keys_version';
export const USAGE_TABLE = 'aurora_key_usage';
export const ADMIT_FUNCTION = 'aurora_admit';
export const RESERVATIONS_TABLE = 'aurora_key_reservations';
export const RESERVE_FUNCTION = 'aurora_reserve';
export const SETTLE_FUNCTION = 'aurora_settle';
export const TPM_WAIT_FUNCTION = 'aurora_tpm_wait';
export const SPEND_TABLE = 'aurora_key_spend';

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
  {
    version: 2,
    description: 'tpm reservations for requests in flight: aurora_reserve(), aurora_settle(); aurora_admit() counts them',
    sql: (db: Database) => {
      const reservations = db.table(RESERVATIONS_TABLE);
      return `
        CREATE UNLOGGED TABLE ${reservations} (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          key_id text COLLATE "C" NOT NULL,
          tokens bigint NOT NULL,
          expires_second bigint NOT NULL
        );
        CREATE INDEX aurora_key_reservations_by_key ON ${reservations} (key_id);
        ${tpmWaitFunction(db)}
        ${admitFunctionV2(db)}
        ${reserveFunction(db)}
        ${settleFunction(db)}
      `;
    },
  },
  {
    version: 3,
    description: 'budgets: per-key USD limits per UTC day and month, and what each key spent',
    sql: (db: Database) => `
        ALTER TABLE ${db.table(KEYS_TABLE)} ADD COLUMN budget_day double precision, ADD COLUMN budget_month double precision;
        CREATE TABLE ${db.table(SPEND_TABLE)} (
          key_id text COLLATE "C" NOT NULL,
          period text NOT NULL CHECK (period IN ('day', 'month')),
          starts date NOT NULL,
          usd double precision NOT NULL,
          PRIMARY KEY (key_id, period, starts)
        );
      `,
  },
];

/**
 * Version 1, doing what it did when it was applied (its text is built with the helpers below). One call per request of a limited key: under a per-key advisory lock (so two gateways cannot both
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
      ${CLOCK}
      used bigint;
      r record;
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtextextended('aurora_admit:' || p_key, 0));
      -- A request counted in second s leaves the window at (s + 60) s.
      DELETE FROM ${usage} AS u WHERE u.key_id = p_key AND u.second <= now_s - 60;
      IF p_tpm IS NOT NULL THEN
        SELECT coalesce(sum(u.tokens), 0) INTO used FROM ${usage} AS u WHERE u.key_id = p_key;
        IF used >= p_tpm THEN
          ${untilUnder(usage, 'tokens', 'p_tpm', "RETURN QUERY SELECT 'tpm'::text, (r.second + 60) * 1000 - now_ms; RETURN;")}
        END IF;
      END IF;
      ${countRequest(usage)}
    END
    $aurora$;
  `;
}

/** PL/pgSQL declarations of the clock: the database's, unless `p_now_ms` is given (tests). */
const CLOCK = `now_ms double precision := coalesce(p_now_ms, extract(epoch FROM clock_timestamp()) * 1000);
      now_s bigint := floor(now_ms / 1000);`;

/** The per-key lock every function that reads or changes a key's counters takes first. */
const lockKey = (key: string) => `PERFORM pg_advisory_xact_lock(hashtextextended('aurora_admit:' || ${key}, 0));`;

/**
 * Under the key's lock: null when the tokens used in the window plus the reservations in flight are
 * below `p_tpm`, else the ms until enough of the window's oldest tokens leave it. Reservations count
 * as if used now (they settle, then stay a minute), so when they alone fill tpm the wait is a
 * minute. Both sums are read in one statement: one snapshot.
 */
function tpmWaitFunction(db: Database): string {
  const usage = db.table(USAGE_TABLE);
  const reservations = db.table(RESERVATIONS_TABLE);
  return `
    CREATE FUNCTION ${db.table(TPM_WAIT_FUNCTION)}(p_key text, p_tpm bigint, p_now_ms double precision)
    RETURNS double precision
    LANGUAGE plpgsql AS $aurora$
    DECLARE
      used bigint;
      r record;
    BEGIN
      SELECT coalesce((SELECT sum(u.tokens) FROM ${usage} AS u WHERE u.key_id = p_key), 0)
           + coalesce((SELECT sum(v.tokens) FROM ${reservations} AS v WHERE v.key_id = p_key), 0)
        INTO used;
      IF used < p_tpm THEN
        RETURN NULL;
      END IF;
      ${untilUnder(usage, 'tokens', 'p_tpm', 'RETURN (r.second + 60) * 1000 - p_now_ms;')}
      RETURN (floor(p_now_ms / 1000) + 60) * 1000 - p_now_ms;
    END
    $aurora$;
  `;
}

/** Forget seconds older than the window and reservations past their expiry (under the key's lock). */
function forgetOld(db: Database): string {
  return `
      DELETE FROM ${db.table(USAGE_TABLE)} AS u WHERE u.key_id = p_key AND u.second <= now_s - 60;
      DELETE FROM ${db.table(RESERVATIONS_TABLE)} AS v WHERE v.key_id = p_key AND v.expires_second <= now_s;`;
}

/** aurora_admit() as version 1 has it, but its tpm check counts the reservations in flight too. */
function admitFunctionV2(db: Database): string {
  const usage = db.table(USAGE_TABLE);
  return `
    CREATE OR REPLACE FUNCTION ${db.table(ADMIT_FUNCTION)}(p_key text, p_rpm integer, p_tpm bigint, p_now_ms double precision DEFAULT NULL)
    RETURNS TABLE (kind text, retry_after_ms double precision)
    LANGUAGE plpgsql AS $aurora$
    DECLARE
      ${CLOCK}
      wait_ms double precision;
      used bigint;
      r record;
    BEGIN
      ${lockKey('p_key')}
      ${forgetOld(db)}
      IF p_tpm IS NOT NULL THEN
        wait_ms := ${db.table(TPM_WAIT_FUNCTION)}(p_key, p_tpm, now_ms);
        IF wait_ms IS NOT NULL THEN
          RETURN QUERY SELECT 'tpm'::text, wait_ms;
          RETURN;
        END IF;
      END IF;
      ${countRequest(usage)}
    END
    $aurora$;
  `;
}

/**
 * One call per request of a tpm-limited key once its body is read: under the key's lock, refuse
 * (kind 'tpm', ms to wait) when window + in flight is at or over p_tpm, else hold p_tokens until
 * aurora_settle() or p_ttl_s seconds (a gateway that died never settles) and return the
 * reservation's id.
 */
function reserveFunction(db: Database): string {
  const reservations = db.table(RESERVATIONS_TABLE);
  return `
    CREATE FUNCTION ${db.table(RESERVE_FUNCTION)}(p_key text, p_tpm bigint, p_tokens bigint, p_ttl_s integer, p_now_ms double precision DEFAULT NULL)
    RETURNS TABLE (reservation bigint, kind text, retry_after_ms double precision)
    LANGUAGE plpgsql AS $aurora$
    DECLARE
      ${CLOCK}
      wait_ms double precision;
      held bigint;
    BEGIN
      ${lockKey('p_key')}
      ${forgetOld(db)}
      wait_ms := ${db.table(TPM_WAIT_FUNCTION)}(p_key, p_tpm, now_ms);
      IF wait_ms IS NOT NULL THEN
        RETURN QUERY SELECT NULL::bigint, 'tpm'::text, wait_ms;
        RETURN;
      END IF;
      INSERT INTO ${reservations} AS v (key_id, tokens, expires_second)
        VALUES (p_key, greatest(p_tokens, 0), now_s + p_ttl_s) RETURNING v.id INTO held;
      RETURN QUERY SELECT held, NULL::text, NULL::double precision;
    END
    $aurora$;
  `;
}

/**
 * When a request ends: under the key's lock, drop its reservation (if it is still there) and count
 * the tokens it used in the current second, in one transaction, so no admission sees neither or both.
 */
function settleFunction(db: Database): string {
  const usage = db.table(USAGE_TABLE);
  const reservations = db.table(RESERVATIONS_TABLE);
  return `
    CREATE FUNCTION ${db.table(SETTLE_FUNCTION)}(p_key text, p_reservation bigint, p_tokens bigint, p_now_ms double precision DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql AS $aurora$
    DECLARE
      ${CLOCK}
    BEGIN
      ${lockKey('p_key')}
      IF p_reservation IS NOT NULL THEN
        DELETE FROM ${reservations} AS v WHERE v.id = p_reservation AND v.key_id = p_key;
      END IF;
      IF p_tokens > 0 THEN
        INSERT INTO ${usage} AS u (key_id, second, tokens) VALUES (p_key, now_s, p_tokens)
          ON CONFLICT (key_id, second) DO UPDATE SET tokens = u.tokens + excluded.tokens;
      END IF;
    END
    $aurora$;
  `;
}

/**
 * PL/pgSQL: take the key's seconds off `used`, oldest first, until it is under `limit`; then run
 * `found` (which sees the second that makes room as `r.second`). The wait for room, for tokens or
 * requests alike.
 */
function untilUnder(usage: string, column: 'tokens' | 'requests', limit: string, found: string): string {
  return `FOR r IN SELECT u.second, u.${column} AS n FROM ${usage} AS u WHERE u.key_id = p_key AND u.${column} > 0 ORDER BY u.second LOOP
            used := used - r.n;
            IF used < ${limit} THEN
              ${found}
            END IF;
          END LOOP;`;
}

/** PL/pgSQL: refuse with the wait when the key used its `p_rpm` requests in the window, else count this one. */
function countRequest(usage: string): string {
  return `IF p_rpm IS NOT NULL THEN
        SELECT coalesce(sum(u.requests), 0) INTO used FROM ${usage} AS u WHERE u.key_id = p_key;
        IF used >= p_rpm THEN
          ${untilUnder(usage, 'requests', 'p_rpm', "RETURN QUERY SELECT 'rpm'::text, (r.second + 60) * 1000 - now_ms; RETURN;")}
        END IF;
        INSERT INTO ${usage} AS u (key_id, second, requests) VALUES (p_key, now_s, 1)
          ON CONFLICT (key_id, second) DO UPDATE SET requests = u.requests + 1;
      END IF;`;
}
