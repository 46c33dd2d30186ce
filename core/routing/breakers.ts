/**
 * The health of each upstream target (a provider's endpoint: its base URL and key), kept per
 * gateway: a circuit breaker for failures of the upstream itself, and a set-aside for a key the
 * upstream refused or throttled. A target that is open or set aside is skipped at once, so a dead
 * provider costs a request nothing instead of its timeout.
 *
 *   closed ──(N failures in a row)──► open ──(openMs)──► half-open ──(probe ok)──► closed
 *                                       ▲                     │
 *                                       └────(probe fails)────┘
 */

export interface BreakerOptions {
  /** Failures in a row (connection errors, timeouts before the answer, 5xx) that open the breaker. Default 5. */
  failures?: number;
  /** How long an open breaker skips its target before one probe may go. Default 30 s. */
  openMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface TargetHealth {
  id: string;
  provider: string;
  state: BreakerState;
  failures: number;
  /** Epoch ms until which the key is set aside (it was refused or throttled), if it is. */
  setAsideUntil: number | null;
  setAsideReason: string | null;
  inFlight: number;
}

interface Entry extends TargetHealth {
  openedAt: number;
  probing: boolean;
}

export interface Health {
  /** Whether a request may go to `id` now (a half-open breaker lets one probe through at a time). */
  admits(id: string): boolean;
  /** Whether `id` could be admitted now, without taking the half-open probe slot (for the balancer). */
  available(id: string): boolean;
  /** The answer (or failure) of an attempt that was admitted. */
  succeeded(id: string): void;
  failed(id: string): void;
  /** The upstream refused or throttled this target's key: skip it until `untilMs` (epoch). */
  setAside(id: string, provider: string, untilMs: number, reason: string): void;
  /** Makes a target known before its first request, so the admin API and /ready list it. */
  register(id: string, provider: string): void;
  started(id: string, provider: string): void;
  finished(id: string): void;
  inFlight(id: string): number;
  list(): TargetHealth[];
  /** Told when a breaker changes state (metrics, logs). */
  onChange?: (target: TargetHealth) => void;
}

export function createHealth(options: BreakerOptions = {}, now: () => number = Date.now): Health {
  const threshold = options.failures ?? 5;
  const openMs = options.openMs ?? 30_000;
  const entries = new Map<string, Entry>();

  const entry = (id: string, provider: string): Entry => {
    let e = entries.get(id);
    if (!e) entries.set(id, (e = { id, provider, state: 'closed', failures: 0, setAsideUntil: null, setAsideReason: null, inFlight: 0, openedAt: 0, probing: false }));
    return e;
  };
  const change = (e: Entry) => health.onChange?.(snapshot(e));

  const health: Health = {
    admits(id) {
      const e = entries.get(id);
      if (!e) return true;
      const t = now();
      if (e.setAsideUntil !== null) {
        if (t < e.setAsideUntil) return false;
        e.setAsideUntil = null;
        e.setAsideReason = null;
      }
      if (e.state === 'closed') return true;
      if (e.state === 'open') {
        if (t - e.openedAt < openMs) return false;
        e.state = 'half-open';
        change(e);
      }
      // Half-open: one probe at a time; the others are skipped until it says how the target is.
      if (e.probing) return false;
      e.probing = true;
      return true;
    },
    available(id) {
      const e = entries.get(id);
      if (!e) return true;
      const t = now();
      if (e.setAsideUntil !== null && t < e.setAsideUntil) return false;
      if (e.state === 'open') return t - e.openedAt >= openMs;
      return !(e.state === 'half-open' && e.probing);
    },
    succeeded(id) {
      const e = entries.get(id);
      if (!e) return;
      e.failures = 0;
      e.probing = false;
      if (e.state !== 'closed') {
        e.state = 'closed';
        change(e);
      }
    },
    failed(id) {
      const e = entries.get(id);
      if (!e) return;
      e.failures++;
      const wasProbe = e.probing;
      e.probing = false;
      if (wasProbe || (e.state === 'closed' && e.failures >= threshold)) {
        e.state = 'open';
        e.openedAt = now();
        change(e);
      }
    },
    setAside(id, provider, untilMs, reason) {
      const e = entry(id, provider);
      e.setAsideUntil = Math.max(e.setAsideUntil ?? 0, untilMs);
      e.setAsideReason = reason;
      e.probing = false;
    },
    register(id, provider) {
      entry(id, provider);
    },
    started(id, provider) {
      entry(id, provider).inFlight++;
    },
    finished(id) {
      const e = entries.get(id);
      if (e && e.inFlight > 0) e.inFlight--;
    },
    inFlight: (id) => entries.get(id)?.inFlight ?? 0,
    list: () => [...entries.values()].map(snapshot),
  };
  const snapshot = (e: Entry): TargetHealth => {
    // An elapsed set-aside is cleared on the next admit; it is over already for whoever looks.
    const aside = e.setAsideUntil !== null && e.setAsideUntil > now();
    return { id: e.id, provider: e.provider, state: e.state, failures: e.failures, setAsideUntil: aside ? e.setAsideUntil : null, setAsideReason: aside ? e.setAsideReason : null, inFlight: e.inFlight };
  };
  return health;
}
