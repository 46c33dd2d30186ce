/**
 * rpm/tpm limits shared by every gateway on one database. The window is the in-memory limiter's
 * (sliding 60 s; limits.ts), counted in whole seconds of the database's clock: a request leaves the
 * window 59 to 60 s after it was counted. Each step is one round trip to a function that runs under
 * a per-key advisory lock (postgres-schema.ts), so whichever gateway a request reaches:
 *
 *   admit    `aurora_admit()`    refuses on tpm (window + reservations in flight) or rpm, else counts
 *                                the request: the fourth request of an rpm-3 key in a minute is refused
 *   reserve  `aurora_reserve()`  refuses on tpm, else holds the request's estimate in
 *                                `aurora_key_reservations` (until settled, or RESERVATION_TTL_MS)
 *   settle   `aurora_settle()`   drops the reservation and counts the tokens used, in one transaction
 *
 * If the database cannot be reached, requests are admitted (and the failure logged, at most every
 * 10 s): an outage of the limiter must not become an outage of the gateway. A reservation made
 * while it was away is empty; one that cannot be settled expires by itself.
 */
import type { Logger } from 'aurora';
import type { Database } from 'aurora/postgres';
import { RESERVATION_TTL_MS, type Limits, type RateLimiter, type Refusal, type Reservation, type Reserved } from './limits.ts';
import { ADMIT_FUNCTION, RESERVATIONS_TABLE, RESERVE_FUNCTION, SETTLE_FUNCTION, USAGE_TABLE } from './postgres-schema.ts';

export interface PostgresLimiterOptions {
  log?: Logger;
  /** Epoch ms in place of the database's clock (tests). */
  now?: () => number;
}

/** A reservation row's id (int8, as text); null when it was made while the database was away. */
interface HeldRow extends Reservation {
  readonly row: string | null;
}

const LOG_EVERY_MS = 10_000;
const TTL_S = Math.ceil(RESERVATION_TTL_MS / 1000);

export function createPostgresLimiter(db: Database, options: PostgresLimiterOptions = {}): RateLimiter & { sweep(): Promise<void> } {
  const usage = db.table(USAGE_TABLE);
  const reservations = db.table(RESERVATIONS_TABLE);
  const admitSql = `SELECT kind, retry_after_ms FROM ${db.table(ADMIT_FUNCTION)}($1, $2, $3, $4)`;
  const reserveSql = `SELECT reservation::text AS reservation, kind, retry_after_ms FROM ${db.table(RESERVE_FUNCTION)}($1, $2, $3, $4, $5)`;
  const settleSql = `SELECT ${db.table(SETTLE_FUNCTION)}($1, $2, $3, $4)`;
  const clock = () => options.now?.() ?? null;
  let lastLogged = -Infinity;
  const failed = (what: string, err: unknown) => {
    if (Date.now() - lastLogged < LOG_EVERY_MS) return;
    lastLogged = Date.now();
    options.log?.error(`auth: the shared rate limiter could not ${what}; requests are admitted without it meanwhile`, { where: db.where, err });
  };
  const refusal = (kind: 'rpm' | 'tpm', limit: number, ms: number): Refusal => ({ kind, limit, retryAfter: Math.max(1, Math.ceil(ms / 1000)) });

  async function settle(key: string, row: string | null, tokens: number): Promise<void> {
    const counted = tokens > 0 ? Math.ceil(tokens) : 0;
    if (row === null && counted === 0) return;
    try {
      await db.pool.query(settleSql, [key, row, counted, clock()]);
    } catch (err) {
      failed('count tokens', err);
    }
  }

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
      return refusal(row.kind, row.kind === 'rpm' ? limits.rpm! : limits.tpm!, row.retry_after_ms);
    },
    async reserve(id: string, tpm: number, tokens: number): Promise<Reserved> {
      const held = tokens > 0 ? Math.ceil(tokens) : 0;
      let row: { reservation: string | null; kind: 'tpm' | null; retry_after_ms: number | null } | undefined;
      try {
        ({ rows: [row] } = await db.pool.query(reserveSql, [id, tpm, held, TTL_S, clock()]));
      } catch (err) {
        failed('hold tokens for a request', err);
      }
      if (row?.kind === 'tpm') return { refusal: refusal('tpm', tpm, row.retry_after_ms ?? 0) };
      const reservation: HeldRow = { key: id, tokens: row?.reservation ? held : 0, row: row?.reservation ?? null };
      return { reservation };
    },
    settle(reservation: Reservation, tokens: number): Promise<void> {
      return settle(reservation.key, (reservation as Partial<HeldRow>).row ?? null, tokens);
    },
    addTokens(id: string, tokens: number): Promise<void> {
      return settle(id, null, tokens);
    },
    async forget(id: string): Promise<void> {
      await db.pool.query(`DELETE FROM ${usage} WHERE key_id = $1`, [id]);
      await db.pool.query(`DELETE FROM ${reservations} WHERE key_id = $1`, [id]);
    },
    /** Drop the counters of keys no longer in use, and reservations past their expiry (admit() only clears the key it counts). */
    async sweep(): Promise<void> {
      const nowS = `floor(coalesce($1::float8, extract(epoch FROM clock_timestamp()) * 1000) / 1000)`;
      await db.pool.query(`DELETE FROM ${usage} WHERE second < ${nowS} - 120`, [clock()]);
      await db.pool.query(`DELETE FROM ${reservations} WHERE expires_second <= ${nowS}`, [clock()]);
    },
  };
}
