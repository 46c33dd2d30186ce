/** The AuditRecord handed to `onAudit`, built from what a Recorder collected. */
import { answerIdOf, captureBytes, captureText } from './capture.ts';
import { redactHeaders } from './headers.ts';
import { redact } from './logger.ts';
import type { Recorder, WireResult } from './recorder.ts';
import type { AuditRecord, CapturedBody, Outcome, Usage } from './types.ts';

/** The end of a request as the recorder settled it. */
export interface Settled extends WireResult {
  outcome: Outcome;
  error: { code: string; message: string } | null;
  usage: Usage | null;
  cost: number | null;
  unpriced: boolean;
  model: string | null;
}

export function buildAuditRecord(recorder: Recorder, settled: Settled, captureLimit: number, secrets: string[]): AuditRecord {
  const { ctx } = recorder;
  const scrub = (body: CapturedBody | null): CapturedBody | null => body && { ...body, text: redact(body.text, secrets) };
  const clientBody = recorder.clientCapture?.result() ?? (recorder.errorText ? captureText(recorder.errorText, captureLimit) : null);
  const requestBody = captureLimit > 0 && recorder.requestBytes ? scrub(captureBytes(recorder.requestBytes, captureLimit)) : null;
  const upstreamBody = recorder.upstreamRequest?.body;
  const elapsed = performance.now() - ctx.startedAt;
  return {
    id: ctx.id,
    time: Date.now() - Math.round(elapsed),
    durationMs: round(elapsed),
    ttfbMs: settled.ttfbMs === null ? null : round(settled.ttfbMs),
    method: ctx.method,
    path: ctx.path,
    // What the client called; a translation to the hub is in annotations.translated.
    endpoint: ctx.clientApi,
    principal: ctx.principal ?? null,
    model: settled.model,
    provider: ctx.route?.provider.name ?? null,
    upstreamModel: ctx.route?.model || null,
    answerId: answerIdOf(recorder.clientCapture),
    status: settled.status,
    outcome: settled.outcome,
    error: settled.error ? { code: settled.error.code, message: redact(settled.error.message, secrets) } : null,
    stream: ctx.stream,
    usage: settled.usage,
    cost: settled.cost,
    unpriced: settled.unpriced,
    requestBytes: recorder.requestBytes?.byteLength ?? recorder.upload?.bytes ?? 0,
    responseBytes: settled.bytes,
    annotations: ctx.annotations,
    trail: captureLimit > 0
      ? {
          clientRequest: {
            headers: redactHeaders(ctx.headers, secrets),
            body: requestBody
              ? requestBody
              : recorder.upload
                ? { text: '', bytes: recorder.upload.bytes, truncated: false, omitted: recorder.upload.contentType ?? 'application/octet-stream' }
                : null,
          },
          upstreamRequest: recorder.upstreamRequest
            ? {
                url: recorder.upstreamRequest.url,
                headers: redactHeaders(recorder.upstreamRequest.headers, secrets),
                body: upstreamBody === undefined ? null : upstreamBody === 'client' ? requestBody && { ...requestBody } : scrub(captureText(upstreamBody, captureLimit)),
              }
            : null,
          upstreamResponse: recorder.upstreamStatus === undefined
            ? null
            : {
                status: recorder.upstreamStatus,
                headers: recorder.upstreamHeaders ? redactHeaders(recorder.upstreamHeaders, secrets) : {},
                body: scrub(recorder.upstreamCapture?.result() ?? null),
              },
          clientResponse: { status: settled.status, headers: redactHeaders(settled.headers, secrets), body: scrub(clientBody) },
        }
      : null,
  };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
