/**
 * Per-key rpm/tpm limits over a sliding 60-second window (not calendar minutes): a request is
 * admitted when fewer than `rpm` requests were admitted, and fewer than `tpm` tokens were used, in
 * the 60 s before it. Tokens are only known once a request has finished (onAudit), so the request
 * that crosses `tpm` completes and the ones after it wait. State is in memory, per gateway process.
 */

export const WINDOW_MS = 60_000;

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

/** What the auth plugin needs of a limiter: this in-memory one, or one shared through a database. */
export interface RateLimiter {
  /** Admit one request for `id` (and count it) or say why not and for how long. */
  admit(id: string, limits: Limits): Refusal | undefined | Promise<Refusal | undefined>;
  /** Count tokens a finished request of `id` used, at the time they are reported. */
  addTokens(id: string, tokens: number): void | Promise<void>;
  /** Drop the state of a key (revoked). */
  forget(id: string): void | Promise<void>;
}

/** The in-memory limiter: synchronous, per process. */
export interface Limiter extends RateLimiter {
  admit(id: string, limits: Limits): Refusal | undefined;
  addTokens(id: string, tokens: number): void;
  forget(id: string): void;
}

interface Usage {
  /** Admission times, oldest first; never more than rpm of them. */
  requests: number[];
  /** [time, tokens], oldest first. */
  tokens: Array<[number, number]>;
}

/** `now` is monotonic milliseconds; injectable for tests. */
export function createLimiter(now: () => number = () => performance.now()): Limiter {
  const usage = new Map<string, Usage>();

  function current(id: string, at: number): Usage {
    let u = usage.get(id);
    if (!u) usage.set(id, (u = { requests: [], tokens: [] }));
    const start = at - WINDOW_MS;
    while (u.requests.length && u.requests[0]! <= start) u.requests.shift();
    while (u.tokens.length && u.tokens[0]![0] <= start) u.tokens.shift();
    return u;
  }

  return {
    admit(id, limits) {
      if (limits.rpm == null && limits.tpm == null) return undefined;
      const at = now();
      const u = current(id, at);
      if (limits.tpm != null) {
        let used = u.tokens.reduce((sum, [, n]) => sum + n, 0);
        if (used >= limits.tpm) {
          // Room comes back when enough of the oldest entries have left the window.
          let freeAt = at;
          for (const [time, n] of u.tokens) {
            used -= n;
            freeAt = time + WINDOW_MS;
            if (used < limits.tpm) break;
          }
          return { kind: 'tpm', limit: limits.tpm, retryAfter: seconds(freeAt - at) };
        }
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
    addTokens(id, tokens) {
      if (!(tokens > 0)) return;
      const at = now();
      current(id, at).tokens.push([at, tokens]);
    },
    forget(id) {
      usage.delete(id);
    },
  };
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
