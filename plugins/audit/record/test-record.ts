/**
 * A synthetic finished record, for the plugin's tests and the audit suites under test/ (which
 * reach it through test/audit/helpers.ts). Nothing in the plugin itself uses it.
 */
import type { AuditRecord } from 'aurora';

let counter = 0;

/** A finished Responses request with all four bodies; override what a test cares about. */
export function makeRecord(overrides: Partial<AuditRecord> & { prompt?: string; answer?: string } = {}): AuditRecord {
  const { prompt = 'say hello', answer = 'hello there', ...rest } = overrides;
  const id = rest.id ?? `req_test${String(++counter).padStart(8, '0')}`;
  const request = JSON.stringify({ model: rest.model ?? 'gpt-4.1-mini', input: prompt });
  const response = JSON.stringify({ object: 'response', output: [{ type: 'message', content: [{ type: 'output_text', text: answer }] }], usage: { input_tokens: 10, output_tokens: 5 } });
  const body = (text: string) => ({ text, bytes: Buffer.byteLength(text), truncated: false });
  return {
    id,
    time: Date.now(),
    durationMs: 12.5,
    ttfbMs: 10,
    requestBytes: Buffer.byteLength(request),
    responseBytes: Buffer.byteLength(response),
    method: 'POST',
    path: '/v1/responses',
    endpoint: 'responses',
    principal: { id: 'master', name: 'master key', admin: true },
    model: 'gpt-4.1-mini',
    provider: 'openai',
    upstreamModel: 'gpt-4.1-mini',
    answerId: `resp_${id}`,
    status: 200,
    outcome: 'ok',
    error: null,
    stream: false,
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15, cached_tokens: 2, reasoning_tokens: 1 },
    // gpt-4.1-mini: (8 × $0.40 + 2 × $0.10 + 5 × $1.60) / 1M; no usage, no cost
    cost: rest.usage === null ? null : 0.0000114,
    unpriced: false,
    annotations: {},
    trail: {
      clientRequest: { headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamRequest: { url: 'http://127.0.0.1:1/v1/responses', headers: { 'content-type': 'application/json' }, body: body(request) },
      upstreamResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: body(response) },
      clientResponse: { status: 200, headers: { 'content-type': 'application/json' }, body: body(response) },
    },
    ...rest,
  };
}
