/**
 * rpm/tpm limits shared by every gateway on one database. The window is the in-memory limiter's
 * (sliding 60 s: a request is admitted when fewer than `rpm` requests were admitted, and fewer than
 * `tpm` tokens used, in the 60 s before it), counted in whole seconds of the database's clock: a
 * request leaves the window 59 to 60 s after it was admitted. `aurora_admit()` (postgres-schema.ts)
 * counts and admits in one round trip under a per-key lock, so whichever gateway a request reaches,
 * the fourth request of an rpm-3 key in a minute is refused.
 *
 * If the database cannot be reached, requests are admitted (and the failure logged, at most every
 * 10 s): an outage of the limiter must not become an outage of the gateway.
 */
import type { Logger } from 'aurora';
import type { Database } from '../postgres/database.ts';
import type { Limits, RateLimiter, Refusal } from './limits.ts';
import { ADMIT_FUNCTION, USAGE_TABLE } from './postgres-schema.ts';

export interface PostgresLimiterOptions {
  log?: Logger;
  /** Epoch ms in place of the database's clock (tests). */
  now?: () => number;
}

const LOG_EVERY_MS = 10_000;

export function createPostgresLimiter(db: Database, options: PostgresLimiterOptions = {}): RateLimiter & { sweep(): Promise<void> } {
  const usage = db.table(USAGE_TABLE);
  const admitSql = `SELECT kind, retry_after_ms FROM ${db.table(ADMIT_FUNCTION)}($1, $2, $3, $4)`;
  const clock = () => options.now?.() ?? null;
  let lastLogged = -Infinity;
  const failed = (what: string, err: unknown) => {
    if (Date.now() - lastLogged < LOG_EVERY_MS) return;
    lastLogged = Date.now();
    options.log?.error(`auth: the shared rate limiter could not ${what}; requests are admitted without it meanwhile`, { where: db.where, err });
  };

  return {
    async admit(id: string, limits: Limits): Promise<Refusal | undefined> {
      if (limits.rpm == null && limits.tpm == null) return undefined;
      let row: { kind: 'rpm' | 'tpm'; retry_after_ms: number } | undefined;
      try {
        ({ rows: [row] } = await db.pool.query(admitSql, [id, limits.rpm, limits.tpm, clock()]));
      } catch (err) {
        failed('count a request', err);
        return undefined;
      }
      if (!row) return undefined;
      const limit = row.kind === 'rpm' ? limits.rpm! : limits.tpm!;
      return { kind: row.kind, limit, retryAfter: Math.max(1, Math.ceil(row.retry_after_ms / 1000)) };
    },
    async addTokens(id: string, tokens: number): Promise<void> {
      if (!(tokens > 0)) return;
      try {
        await db.pool.query(
          `INSERT INTO ${usage} AS u (key_id, second, tokens)
           VALUES ($1, floor(coalesce($3::float8, extract(epoch FROM clock_timestamp()) * 1000) / 1000), $2)
           ON CONFLICT (key_id, second) DO UPDATE SET tokens = u.tokens + excluded.tokens`,
          [id, Math.round(tokens), clock()],
        );
      } catch (err) {
        failed('count tokens', err);
      }
    },
    async forget(id: string): Promise<void> {
      await db.pool.query(`DELETE FROM ${usage} WHERE key_id = $1`, [id]);
    },
    /** Drop the counters of keys no longer in use (admit() only clears the key it counts). */
    async sweep(): Promise<void> {
      await db.pool.query(`DELETE FROM ${usage} WHERE second < floor(coalesce($1::float8, extract(epoch FROM clock_timestamp()) * 1000) / 1000) - 120`, [clock()]);
    },
  };
}
