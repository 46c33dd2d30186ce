/**
 * Per-key rpm/tpm limits over a sliding 60-second window (not calendar minutes).
 *
 * rpm: a request is admitted when fewer than `rpm` requests were admitted in the 60 s before it
 * (`admit`, at authentication, before the body is read).
 *
 * tpm: what a request will use is known only when it ends, so a request *reserves* an estimate once
 * its body is read (`reserve`), and is refused while the tokens used in the window plus the
 * reservations still in flight are at or over `tpm`. When it ends, `settle` replaces its reservation
 * by what it really used (reported usage, or an estimate: tokens.ts), counted in the window from
 * then on. So concurrent requests are admitted against what is in flight, not only against what
 * has finished. State is in memory, per gateway process.
 */

export const WINDOW_MS = 60_000;

/**
 * A reservation nobody settles stops counting after this long (a settle that never came: a
 * gateway that died, for the shared limiter). Longer than any request should run.
 */
export const RESERVATION_TTL_MS = 10 * 60_000;

export interface Limits {
  rpm: number | null;
  tpm: number | null;
}

export interface Refusal {
  kind: 'rpm' | 'tpm';
  limit: number;
  /** Whole seconds until the window has room again (at least 1). */
  retryAfter: number;
}

/** Tokens held for one request in flight, from `reserve` until `settle`. */
export interface Reservation {
  /** The key it holds tokens of. */
  readonly key: string;
  /** Tokens held. */
  readonly tokens: number;
}

/** `reserve`'s answer: a reservation to settle, or a refusal. */
export type Reserved = { reservation: Reservation; refusal?: undefined } | { reservation?: undefined; refusal: Refusal };

/** What the auth plugin needs of a limiter: this in-memory one, or one shared through a database. */
export interface RateLimiter {
  /**
   * At authentication: refuse when the key's tokens (window + in flight) are at or over `tpm`, or
   * its requests at `rpm`; otherwise count one request against `rpm`.
   */
  admit(id: string, limits: Limits): Refusal | undefined | Promise<Refusal | undefined>;
  /** Once the body is known: hold `tokens` for this request, unless window + in flight is at or over `tpm`. */
  reserve(id: string, tpm: number, tokens: number): Reserved | Promise<Reserved>;
  /** The request ended: drop its reservation and count the `tokens` it used, from now on. */
  settle(reservation: Reservation, tokens: number): void | Promise<void>;
  /** Count tokens a finished request of `id` used that held no reservation. */
  addTokens(id: string, tokens: number): void | Promise<void>;
  /** Drop the state of a key (revoked). */
  forget(id: string): void | Promise<void>;
}

/** The in-memory limiter: synchronous, per process. */
export interface Limiter extends RateLimiter {
  admit(id: string, limits: Limits): Refusal | undefined;
  reserve(id: string, tpm: number, tokens: number): Reserved;
  settle(reservation: Reservation, tokens: number): void;
  addTokens(id: string, tokens: number): void;
  forget(id: string): void;
}

class Held implements Reservation {
  constructor(readonly key: string, readonly tokens: number, readonly at: number) {}
}

interface Usage {
  /** Admission times, oldest first; never more than rpm of them. */
  requests: number[];
  /** [time, tokens] of settled requests, oldest first. */
  tokens: Array<[number, number]>;
  /** Reservations in flight, oldest first (a Set keeps insertion order). */
  held: Set<Held>;
  /** Sum of `held`. */
  heldTokens: number;
}

/** `now` is monotonic milliseconds; injectable for tests. */
export function createLimiter(now: () => number = () => performance.now()): Limiter {
  const usage = new Map<string, Usage>();

  function current(id: string, at: number): Usage {
    let u = usage.get(id);
    if (!u) usage.set(id, (u = { requests: [], tokens: [], held: new Set(), heldTokens: 0 }));
    const start = at - WINDOW_MS;
    while (u.requests.length && u.requests[0]! <= start) u.requests.shift();
    while (u.tokens.length && u.tokens[0]![0] <= start) u.tokens.shift();
    for (const held of u.held) {
      if (held.at > at - RESERVATION_TTL_MS) break;
      u.held.delete(held);
      u.heldTokens -= held.tokens;
    }
    return u;
  }

  /** Refused when window + in flight is at or over tpm; room comes back as the oldest tokens leave the window. */
  function overTpm(u: Usage, tpm: number, at: number): Refusal | undefined {
    let used = u.heldTokens;
    for (const [, n] of u.tokens) used += n;
    if (used < tpm) return undefined;
    // Reservations in flight count as if used now: they leave the window a minute after they settle at the earliest.
    let freeAt = at + WINDOW_MS;
    for (const [time, n] of u.tokens) {
      used -= n;
      if (used < tpm) {
        freeAt = time + WINDOW_MS;
        break;
      }
    }
    return { kind: 'tpm', limit: tpm, retryAfter: seconds(freeAt - at) };
  }

  function count(id: string, tokens: number, at: number): void {
    if (tokens > 0) current(id, at).tokens.push([at, Math.ceil(tokens)]);
  }

  return {
    admit(id, limits) {
      if (limits.rpm == null && limits.tpm == null) return undefined;
      const at = now();
      const u = current(id, at);
      if (limits.tpm != null) {
        const refused = overTpm(u, limits.tpm, at);
        if (refused) return refused;
      }
      if (limits.rpm != null) {
        if (u.requests.length >= limits.rpm) {
          const oldest = u.requests[u.requests.length - limits.rpm] ?? at;
          return { kind: 'rpm', limit: limits.rpm, retryAfter: seconds(oldest + WINDOW_MS - at) };
        }
        u.requests.push(at);
      }
      return undefined;
    },
    reserve(id, tpm, tokens) {
      const at = now();
      const u = current(id, at);
      const refusal = overTpm(u, tpm, at);
      if (refusal) return { refusal };
      const held = new Held(id, tokens > 0 ? Math.ceil(tokens) : 0, at);
      u.held.add(held);
      u.heldTokens += held.tokens;
      return { reservation: held };
    },
    settle(reservation, tokens) {
      const u = usage.get(reservation.key);
      // Settled twice, expired or forgotten: there is nothing held any more.
      if (u && reservation instanceof Held && u.held.delete(reservation)) u.heldTokens -= reservation.tokens;
      count(reservation.key, tokens, now());
    },
    addTokens(id, tokens) {
      count(id, tokens, now());
    },
    forget(id) {
      usage.delete(id);
    },
  };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
