/**
 * Prometheus metrics (prom-client), one registry per gateway so two gateways in one process never
 * share counters. Fed from the finished-request path, off the response's critical path.
 *
 * Label values that a client or an upstream chooses (the model, an upstream's error code) are
 * bounded: a request nobody routed has no model label, and each such label takes at most
 * `MAX_LABEL_VALUES` distinct values — later ones fold into `other`. Without this, requests with
 * made-up model names grow every series map, and /metrics with them, for good.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from './types.ts';

/** What metrics need of a finished request. */
export interface Observation extends Pick<AuditRecord, 'endpoint' | 'provider' | 'status' | 'outcome' | 'durationMs' | 'ttfbMs' | 'usage' | 'cost' | 'unpriced'> {
  /** The model asked for, on a routed request; null when no route was found (the label is then `none`). */
  model: string | null;
  /** `upstream`: the provider failed (its error status, its stream, the network). */
  error: { code: string; upstream: boolean } | null;
}

export interface Metrics {
  registry: Registry;
  streamOpened(): void;
  streamClosed(): void;
  observe(observation: Observation): void;
  /** One attempt at an upstream (a request with fallbacks or a pool may make several). */
  attempted(provider: string, outcome: 'ok' | 'failed'): void;
  /** A request answered by a fallback of the provider it was routed to first. */
  fellBack(from: string, to: string): void;
  /** A target's circuit breaker changed state. */
  breaker(provider: string, target: string, state: 'closed' | 'open' | 'half-open'): void;
}

export const MAX_LABEL_VALUES = 100;
const MAX_LABEL_CHARS = 128;

/** One label set's histograms (prom-client's children) and its counters, kept as plain sums. */
interface Series {
  duration: { observe(value: number): void };
  ttfb: { observe(value: number): void };
  /** What the counters gained since the last scrape (undefined: untouched), handed to prom-client by `flush`. */
  pending: Record<CounterName, number | undefined>;
  children: Record<CounterName, { inc(value: number): void }>;
}

type CounterName = 'requests' | 'input' | 'cached' | 'output' | 'reasoning' | 'cost' | 'unpriced';
const COUNTER_NAMES: readonly CounterName[] = ['requests', 'input', 'cached', 'output', 'reasoning', 'cost', 'unpriced'];

/** The values one label may take: the first `MAX_LABEL_VALUES` seen, then `other`. */
function boundedLabel(): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= MAX_LABEL_VALUES || value.length > MAX_LABEL_CHARS) return 'other';
    seen.add(value);
    return value;
  };
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aurora_' });
  // Counting every request through prom-client costs ~1 µs a call (labels hashed and checked each
  // time), seven calls a request: the counters add to plain numbers instead, handed over when
  // /metrics is read (each counter's collect runs flush; the first one moves them all).
  const collect = () => flush();
  const requests = new Counter({ collect, name: 'aurora_requests_total', help: 'Model API requests, by endpoint, provider, model, status and outcome', labelNames: ['endpoint', 'provider', 'model', 'status', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'aurora_request_duration_seconds', help: 'Time from request to the last byte sent', labelNames: ['endpoint', 'provider'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: [registry] });
  const ttfb = new Histogram({ name: 'aurora_time_to_first_byte_seconds', help: 'Time from request to the first response byte', labelNames: ['endpoint', 'provider'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const tokens = new Counter({ collect, name: 'aurora_tokens_total', help: 'Tokens by provider, model and kind (input, cached, output, reasoning)', labelNames: ['provider', 'model', 'kind'], registers: [registry] });
  const cost = new Counter({ collect, name: 'aurora_cost_usd_total', help: 'What requests cost in US dollars (usage at the model\'s price), by provider and model', labelNames: ['provider', 'model'], registers: [registry] });
  const unpriced = new Counter({ collect, name: 'aurora_unpriced_requests_total', help: 'Requests that used tokens of a model without a price (their cost is unknown), by provider and model', labelNames: ['provider', 'model'], registers: [registry] });
  const upstreamErrors = new Counter({ name: 'aurora_upstream_errors_total', help: 'Failed upstream calls and broken streams, by provider and code', labelNames: ['provider', 'code'], registers: [registry] });
  const openStreams = new Gauge({ name: 'aurora_open_streams', help: 'Streams being sent to clients now', registers: [registry] });
  const attempts = new Counter({ name: 'aurora_upstream_attempts_total', help: 'Attempts at an upstream, by provider and outcome (a request with fallbacks or a pool may make several)', labelNames: ['provider', 'outcome'], registers: [registry] });
  const fallbacks = new Counter({ name: 'aurora_fallbacks_total', help: 'Requests answered by a fallback, by the provider routed first and the one that answered', labelNames: ['from', 'to'], registers: [registry] });
  const breakers = new Gauge({ name: 'aurora_breaker_state', help: 'Circuit breaker of each upstream target: 0 closed, 1 half-open, 2 open', labelNames: ['provider', 'target'], registers: [registry] });
  const modelLabel = boundedLabel();
  const codeLabel = boundedLabel();

  // Resolving labels hashes them on every call (prom-client's labels → hash → map, six times per
  // request); the children of a label set are looked up once and kept. Bounded like the label
  // values above: one entry per label set prom-client holds.
  const series = new Map<string, Series>();
  const seriesOf = (endpoint: string, provider: string, model: string, status: string, outcome: string): Series => {
    const key = `${endpoint}\0${provider}\0${model}\0${status}\0${outcome}`;
    let found = series.get(key);
    if (!found) {
      found = {
        duration: duration.labels({ endpoint, provider }),
        ttfb: ttfb.labels({ endpoint, provider }),
        pending: { requests: undefined, input: undefined, cached: undefined, output: undefined, reasoning: undefined, cost: undefined, unpriced: undefined },
        children: {
          requests: requests.labels({ endpoint, provider, model, status, outcome }),
          input: tokens.labels({ provider, model, kind: 'input' }),
          cached: tokens.labels({ provider, model, kind: 'cached' }),
          output: tokens.labels({ provider, model, kind: 'output' }),
          reasoning: tokens.labels({ provider, model, kind: 'reasoning' }),
          cost: cost.labels({ provider, model }),
          unpriced: unpriced.labels({ provider, model }),
        },
      };
      series.set(key, found);
    }
    return found;
  };
  function flush(): void {
    for (const s of series.values()) {
      for (const name of COUNTER_NAMES) {
        const value = s.pending[name];
        if (value === undefined) continue;
        // A counter touched with 0 (a free model's cost) still shows, as prom-client's inc(0) does.
        s.pending[name] = undefined;
        s.children[name].inc(value);
      }
    }
  }

  return {
    registry,
    attempted: (provider, outcome) => attempts.inc({ provider, outcome }),
    fellBack: (from, to) => fallbacks.inc({ from, to }),
    breaker: (provider, target, state) => breakers.set({ provider, target }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2),
    streamOpened: () => openStreams.inc(),
    streamClosed: () => openStreams.dec(),
    observe(r) {
      const provider = r.provider ?? 'none';
      const model = r.model === null ? 'none' : modelLabel(r.model);
      const s = seriesOf(r.endpoint ?? 'other', provider, model, String(r.status), r.outcome);
      const p = s.pending;
      p.requests = (p.requests ?? 0) + 1;
      s.duration.observe(r.durationMs / 1000);
      if (r.ttfbMs !== null) s.ttfb.observe(r.ttfbMs / 1000);
      if (r.usage) {
        p.input = (p.input ?? 0) + r.usage.input_tokens;
        p.cached = (p.cached ?? 0) + r.usage.cached_tokens;
        p.output = (p.output ?? 0) + r.usage.output_tokens;
        p.reasoning = (p.reasoning ?? 0) + r.usage.reasoning_tokens;
      }
      if (r.cost !== null) p.cost = (p.cost ?? 0) + r.cost;
      else if (r.unpriced) p.unpriced = (p.unpriced ?? 0) + 1;
      if (r.error?.upstream && r.provider) upstreamErrors.inc({ provider, code: codeLabel(r.error.code) });
    },
  };
}
