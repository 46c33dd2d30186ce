/**
 * What happened to one request, owned in one place. The pipeline fills it in as the request goes
 * (body, upstream call, captures, errors); the writer reports only what went out on the wire
 * (`WireResult`); `end()` turns both into the log line, the metrics and — for the `onAudit` taps
 * that want this request — the AuditRecord.
 */
import { buildAuditRecord } from './audit-record.ts';
import type { BodyCapture } from './capture.ts';
import type { Upload } from './upload.ts';
import type { MutableContext } from './context.ts';
import { GatewayError } from './errors.ts';
import type { Hooks } from './hooks.ts';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';
import type { HookWants } from './plugins.ts';
import type { Pricing } from './pricing/pricing.ts';
import { presentedKeys } from './presented-key.ts';
import { MAX_MODEL_CHARS } from './request-body.ts';
import { streamFailure } from './stream-outcome.ts';
import type { Outcome, RoutedContext, Usage } from './types.ts';
import { usageFromJsonText, usageFromSse } from './usage.ts';

/** What the writer saw on the wire. */
export interface WireResult {
  status: number;
  headers: Record<string, string>;
  /** Time from the request's arrival to the first response byte, when one was sent. */
  ttfbMs: number | null;
  /** Body bytes written to the client. */
  bytes: number;
  /** `whole`: the body ended as it should; `failed`: the writer saw it break; `client_closed`: the client left first. */
  ended: 'whole' | 'failed' | 'client_closed';
  /** Why it broke (`failed`). */
  failure?: GatewayError;
}

export interface RecordedError {
  code: string;
  message: string;
  /** The upstream failed (its error status, its stream, the network), not the client or the gateway. */
  upstream: boolean;
}

export interface RecorderServices {
  hooks: Hooks;
  wants: HookWants;
  log: Logger;
  metrics: Metrics | undefined;
  /** What a request's usage costs (the config's prices, then the provider's). */
  pricing: Pricing;
  /** Whether any plugin taps onAudit at all. */
  audited: boolean;
  /** The largest body any plugin asked to keep (`captureBodies`). */
  captureLimit: () => number;
  /** Known secrets (the gateway's). */
  secrets: () => Iterable<string>;
  /** Hands a pending onAudit run to the gateway, which awaits it on close. */
  track: (pending: Promise<void>) => void;
  /** The request that an upstream target served is over (its in-flight count drops). */
  released?: (target: string) => void;
}


export class Recorder {
  requestBytes: Uint8Array | undefined;
  /** A body passed on as it arrived (a file, audio): counted, not kept. */
  upload: Upload | undefined;
  /** `body: 'client'`: the client's body went upstream as it came (the trail shows that copy again). */
  upstreamRequest: { url: string; headers: Headers; body: string | 'client' | undefined } | undefined;
  upstreamStatus: number | undefined;
  upstreamHeaders: Headers | undefined;
  /** The upstream body as received, when it differs from what the client got. */
  upstreamCapture: BodyCapture | undefined;
  /** What the client received, as the writer sent it. */
  clientCapture: BodyCapture | undefined;
  /** Usage the pipeline read itself (e.g. a usage chunk it kept from the client). */
  usage: Usage | undefined;
  /** The body of an error the gateway answered by itself. */
  errorText: string | undefined;
  error: RecordedError | undefined;
  /** The upstream target serving the request, while it does (released when the request ends). */
  target: string | undefined;
  #ended = false;

  constructor(readonly ctx: MutableContext, private readonly services: RecorderServices) {}

  /** Something went wrong; the last call wins (an upstream error, then the gateway's answer to it). */
  fail(error: GatewayError | { code: string; message: string }, upstream = GatewayError.is(error) && isUpstreamError(error)): void {
    this.error = { code: error.code, message: error.message, upstream };
  }

  /** The request is over: log it, count it, and hand it to the onAudit taps that want it. Runs once. */
  end(wire: WireResult): void {
    if (this.#ended) return;
    this.#ended = true;
    const { ctx, services } = this;
    if (this.target !== undefined) services.released?.(this.target);
    const contentType = wire.headers['content-type'];
    let outcome: Outcome = 'ok';
    let error = this.error;
    if (wire.ended === 'client_closed') {
      outcome = 'client_closed';
      error = { code: 'client_closed', message: 'the client closed the connection before the response finished', upstream: false };
    } else if (wire.failure) {
      outcome = 'error';
      error = { code: wire.failure.code, message: wire.failure.message, upstream: isUpstreamError(wire.failure) };
    } else if (error) {
      outcome = 'error';
    } else if (this.clientCapture && contentType?.includes('text/event-stream')) {
      // A stream can fail in band (a translator's response.failed, an upstream's error event) and
      // still end cleanly on the wire: what the client read last says how it ended.
      const failed = streamFailure(this.clientCapture.ending());
      if (failed) {
        outcome = 'error';
        error = { ...failed, upstream: true };
      }
    }
    this.error = error;
    const usage = this.usage ?? readUsage(this.clientCapture, contentType);
    const model = this.model();
    // A model without a price costs nothing known: null and `unpriced`, never 0.
    const cost = usage && ctx.route ? services.pricing.cost(ctx.route, usage) ?? null : null;
    const unpriced = usage !== null && cost === null;

    services.log.info('request', {
      requestId: ctx.id,
      method: ctx.method,
      path: ctx.path,
      status: wire.status,
      outcome,
      ms: Math.round(performance.now() - ctx.startedAt),
      model,
      provider: ctx.route?.provider.name,
      principal: ctx.principal?.id,
    });
    services.metrics?.observe({
      endpoint: ctx.clientApi,
      provider: ctx.route?.provider.name ?? null,
      model: ctx.route ? model : null,
      status: wire.status,
      outcome,
      durationMs: performance.now() - ctx.startedAt,
      ttfbMs: wire.ttfbMs,
      usage,
      cost,
      unpriced,
      error: error ?? null,
    });
    // The whole record (secrets scrubbed, headers copied) only when an onAudit tap wants this request.
    if (!services.audited || !services.wants.onAudit(ctx as RoutedContext)) return;
    const secrets = [...services.secrets(), ...presentedKeys(ctx.headers)];
    if (ctx.route?.provider.apiKey) secrets.push(ctx.route.provider.apiKey);
    const record = buildAuditRecord(this, { ...wire, outcome, error: error ?? null, usage, cost, unpriced, model }, services.captureLimit(), secrets);
    const pending = services.hooks.onAudit.promise(record, ctx).catch((err) => {
      services.log.error('onAudit handler failed', { plugin: (err as { plugin?: string })?.plugin, requestId: ctx.id, err });
    });
    services.track(pending);
  }

  /** The model the client asked for, bounded (longer names are refused with a 400 before any plugin runs). */
  model(): string | null {
    const model = this.ctx.body?.model ?? this.upload?.model;
    if (typeof model !== 'string') return null;
    return model.length > MAX_MODEL_CHARS ? `${model.slice(0, MAX_MODEL_CHARS)}…` : model;
  }
}

export function isUpstreamError(error: GatewayError): boolean {
  return error.id.startsWith('AURORA_ERR_UPSTREAM_');
}

function readUsage(capture: BodyCapture | undefined, contentType: string | undefined): Usage | null {
  if (!capture) return null;
  const text = capture.ending();
  return contentType?.includes('text/event-stream') ? usageFromSse(text) : usageFromJsonText(text);
}
