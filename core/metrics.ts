/**
 * Prometheus metrics (prom-client), one registry per gateway so two gateways in one process never
 * share counters. Fed from the finished-request path, off the response's critical path.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditRecord } from './types.ts';

export interface Metrics {
  registry: Registry;
  streamOpened(): void;
  streamClosed(): void;
  observe(record: Pick<AuditRecord, 'endpoint' | 'provider' | 'model' | 'status' | 'outcome' | 'durationMs' | 'ttfbMs' | 'usage' | 'error'>): void;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aurora_' });
  const requests = new Counter({ name: 'aurora_requests_total', help: 'Model API requests, by endpoint, provider, model, status and outcome', labelNames: ['endpoint', 'provider', 'model', 'status', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'aurora_request_duration_seconds', help: 'Time from request to the last byte sent', labelNames: ['endpoint', 'provider'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300], registers: [registry] });
  const ttfb = new Histogram({ name: 'aurora_time_to_first_byte_seconds', help: 'Time from request to the first response byte', labelNames: ['endpoint', 'provider'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  const tokens = new Counter({ name: 'aurora_tokens_total', help: 'Tokens by provider, model and kind (input, cached, output, reasoning)', labelNames: ['provider', 'model', 'kind'], registers: [registry] });
  const upstreamErrors = new Counter({ name: 'aurora_upstream_errors_total', help: 'Failed upstream calls and broken streams, by provider and code', labelNames: ['provider', 'code'], registers: [registry] });
  const openStreams = new Gauge({ name: 'aurora_open_streams', help: 'Streams being sent to clients now', registers: [registry] });

  return {
    registry,
    streamOpened: () => openStreams.inc(),
    streamClosed: () => openStreams.dec(),
    observe(r) {
      const provider = r.provider ?? 'none';
      const endpoint = r.endpoint ?? 'other';
      requests.inc({ endpoint, provider, model: r.model ?? 'none', status: String(r.status), outcome: r.outcome });
      duration.observe({ endpoint, provider }, r.durationMs / 1000);
      if (r.ttfbMs !== null) ttfb.observe({ endpoint, provider }, r.ttfbMs / 1000);
      if (r.usage) {
        const labels = { provider, model: r.model ?? 'none' };
        tokens.inc({ ...labels, kind: 'input' }, r.usage.input_tokens);
        tokens.inc({ ...labels, kind: 'cached' }, r.usage.cached_tokens);
        tokens.inc({ ...labels, kind: 'output' }, r.usage.output_tokens);
        tokens.inc({ ...labels, kind: 'reasoning' }, r.usage.reasoning_tokens);
      }
      if (r.error && r.provider && (r.status >= 500 || r.error.code.startsWith('upstream') || r.error.code === 'server_error')) {
        upstreamErrors.inc({ provider, code: r.error.code });
      }
    },
  };
}
