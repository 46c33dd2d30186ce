/** Builds the AuditRecord handed to `onAudit` from what the request left behind. */
import { captureText } from './capture.ts';
import type { MutableContext } from './context.ts';
import { redactHeaders } from './headers.ts';
import { redact } from './logger.ts';
import type { Exchange } from './pipeline.ts';
import type { AuditRecord, CapturedBody, Outcome } from './types.ts';
import { usageFromJsonText, usageFromSse } from './usage.ts';

export interface Finished {
  status: number;
  headers: Record<string, string>;
  ttfbMs: number | null;
  outcome: Outcome;
  error: { code: string; message: string } | undefined;
  /** The error body sent, when the gateway answered by itself. */
  errorText?: string;
}

export function buildAuditRecord(
  ctx: MutableContext,
  exchange: Exchange,
  finished: Finished,
  captureLimit: number,
  secrets: Iterable<string>,
): AuditRecord {
  const secretList = [...secrets];
  const scrub = (body: CapturedBody | null): CapturedBody | null => body && { ...body, text: redact(body.text, secretList) };
  const clientBody = exchange.clientCapture?.result() ?? (finished.errorText ? captureText(finished.errorText, captureLimit) : null);
  const usage = readUsage(exchange, finished.headers['content-type']);
  const keep = captureLimit > 0;
  return {
    id: ctx.id,
    time: Date.now() - Math.round(performance.now() - ctx.startedAt),
    durationMs: round(performance.now() - ctx.startedAt),
    ttfbMs: finished.ttfbMs === null ? null : round(finished.ttfbMs),
    method: ctx.method,
    path: ctx.path,
    endpoint: ctx.endpoint,
    principal: ctx.principal ?? null,
    model: typeof ctx.body?.model === 'string' ? ctx.body.model : null,
    provider: ctx.route?.provider.name ?? null,
    upstreamModel: ctx.route?.model || null,
    status: finished.status,
    outcome: finished.outcome,
    error: finished.error ? { code: finished.error.code, message: redact(finished.error.message, secretList) } : null,
    stream: ctx.stream,
    usage,
    annotations: ctx.annotations,
    trail: keep
      ? {
          clientRequest: {
            headers: redactHeaders(ctx.headers),
            body: exchange.requestBytes ? scrub(captureText(Buffer.from(exchange.requestBytes).toString('utf8'), captureLimit)) : null,
          },
          upstreamRequest: exchange.upstreamRequest
            ? {
                url: exchange.upstreamRequest.url,
                headers: redactHeaders(exchange.upstreamRequest.headers),
                body: exchange.upstreamRequest.body === undefined ? null : scrub(captureText(exchange.upstreamRequest.body, captureLimit)),
              }
            : null,
          upstreamResponse: exchange.upstreamStatus === undefined
            ? null
            : {
                status: exchange.upstreamStatus,
                headers: exchange.upstreamHeaders ? redactHeaders(exchange.upstreamHeaders) : {},
                body: scrub(exchange.upstreamCapture?.result() ?? null),
              },
          clientResponse: { status: finished.status, headers: redactHeaders(finished.headers), body: scrub(clientBody) },
        }
      : null,
  };
}

/** What metrics need of a finished request, without building (and scrubbing) the whole record. */
export function observation(ctx: MutableContext, exchange: Exchange, finished: Finished): Observation {
  return {
    endpoint: ctx.endpoint,
    provider: ctx.route?.provider.name ?? null,
    model: typeof ctx.body?.model === 'string' ? ctx.body.model : null,
    status: finished.status,
    outcome: finished.outcome,
    durationMs: performance.now() - ctx.startedAt,
    ttfbMs: finished.ttfbMs,
    usage: readUsage(exchange, finished.headers['content-type']),
    error: finished.error ?? null,
  };
}

export type Observation = Pick<AuditRecord, 'endpoint' | 'provider' | 'model' | 'status' | 'outcome' | 'durationMs' | 'ttfbMs' | 'usage' | 'error'>;

function readUsage(exchange: Exchange, contentType: string | undefined) {
  const capture = exchange.clientCapture;
  if (!capture) return null;
  const text = capture.ending();
  if (contentType?.includes('text/event-stream')) return usageFromSse(text);
  return usageFromJsonText(text);
}

const round = (ms: number) => Math.round(ms * 100) / 100;
