/**
 * The spend ledger on PostgreSQL: `aurora_key_spend`, one row per key, period (`day`, `month`)
 * and the UTC date the period starts, added to by one INSERT … ON CONFLICT DO UPDATE per finished
 * request that cost something — atomic, so spend counted by every gateway adds up exactly — and
 * read by one SELECT when a request of a key with a budget starts. Periods follow the database's
 * clock (UTC), so gateways with skewed clocks agree on when a day ends. A logged table: spend
 * survives a database restart. If the database cannot be reached, requests are admitted and
 * their spend is not counted (logged at most every 10 s): budgets fail open, like the limits.
 */
import type { Logger } from 'aurora';
import type { Database } from 'aurora/postgres';
import { SPEND_TABLE } from './postgres-schema.ts';
import { NO_SPEND, type Spent, type SpendLedger } from './spend.ts';

export interface PostgresSpendOptions {
  log?: Logger;
  /** Epoch ms in place of the database's clock (tests). */
  now?: () => number;
}

const LOG_EVERY_MS = 10_000;

/** The UTC timestamp of the clock: the database's, unless `$n` holds epoch ms. */
const clockAt = (n: number) => `(to_timestamp(coalesce($${n}::float8, extract(epoch FROM clock_timestamp()) * 1000) / 1000) AT TIME ZONE 'UTC')`;

export function createPostgresSpendLedger(db: Database, options: PostgresSpendOptions = {}): SpendLedger & { sweep(): Promise<void> } {
  const table = db.table(SPEND_TABLE);
  const addSql = `WITH t AS (SELECT ${clockAt(3)} AS ts)
    INSERT INTO ${table} AS s (key_id, period, starts, usd)
    SELECT $1::text, 'day', t.ts::date, $2::float8 FROM t UNION ALL SELECT $1::text, 'month', date_trunc('month', t.ts)::date, $2::float8 FROM t
    ON CONFLICT (key_id, period, starts) DO UPDATE SET usd = s.usd + excluded.usd`;
  const spentSql = `WITH t AS (SELECT ${clockAt(2)} AS ts)
    SELECT s.key_id, s.period, s.usd FROM ${table} AS s, t
    WHERE ($1::text IS NULL OR s.key_id = $1)
      AND ((s.period = 'day' AND s.starts = t.ts::date) OR (s.period = 'month' AND s.starts = date_trunc('month', t.ts)::date))`;
  const clock = () => options.now?.() ?? null;
  let lastLogged = -Infinity;
  const failed = (what: string, err: unknown) => {
    if (Date.now() - lastLogged < LOG_EVERY_MS) return;
    lastLogged = Date.now();
    options.log?.error(`auth: the spend ledger could not ${what}; budgets are not enforced meanwhile`, { where: db.where, err });
  };

  async function read(id: string | null): Promise<Map<string, Spent>> {
    const { rows } = await db.pool.query<{ key_id: string; period: 'day' | 'month'; usd: number }>(spentSql, [id, clock()]);
    const all = new Map<string, Spent>();
    for (const row of rows) {
      const spent = all.get(row.key_id) ?? { day: 0, month: 0 };
      spent[row.period] = Number(row.usd);
      all.set(row.key_id, spent);
    }
    return all;
  }

  return {
    async spent(id) {
      try {
        return (await read(id)).get(id) ?? NO_SPEND;
      } catch (err) {
        failed('read what a key spent', err);
        return NO_SPEND;
      }
    },
    spentAll: () => read(null),
    async add(id, usd) {
      if (!(usd > 0) || !Number.isFinite(usd)) return;
      try {
        await db.pool.query(addSql, [id, usd, clock()]);
      } catch (err) {
        failed('count what a request cost', err);
      }
    },
    async close() {},
    /** Days over 40 days old and months over 13 months old are of no use to a budget. */
    async sweep() {
      await db.pool.query(`WITH t AS (SELECT ${clockAt(1)} AS ts) DELETE FROM ${table} AS s USING t
        WHERE (s.period = 'day' AND s.starts < t.ts::date - 40) OR (s.period = 'month' AND s.starts < (date_trunc('month', t.ts) - interval '13 months')::date)`, [clock()]);
    },
  };
}
