/** What the plugin keeps of a finished record: secrets scrubbed, bodies cut at `maxBodyBytes`. */
import type { AuditRecord, AuditTrail, CapturedBody } from 'aurora';
import { redactRecord, type Redact } from './redact.ts';

export function prepareRecord(record: AuditRecord, redact: Redact, maxBodyBytes: number): AuditRecord {
  // Only the documented fields: an auth plugin's principal object may carry more (a key, a token).
  const principal = record.principal && { id: record.principal.id, ...pick(record.principal, 'name', 'admin') };
  const clean = redactRecord({ ...record, principal }, redact);
  if (clean.trail) clean.trail = cutTrail(clean.trail, maxBodyBytes);
  return clean;
}

function cutTrail(trail: AuditTrail, max: number): AuditTrail {
  const cut = (body: CapturedBody | null): CapturedBody | null => {
    if (!body || Buffer.byteLength(body.text) <= max) return body;
    // The core cut at the largest limit any plugin asked for; ours may be smaller. `bytes` stays the original size.
    return { text: Buffer.from(body.text).subarray(0, max).toString('utf8'), bytes: body.bytes, truncated: true };
  };
  return {
    clientRequest: { ...trail.clientRequest, body: cut(trail.clientRequest.body) },
    upstreamRequest: trail.upstreamRequest && { ...trail.upstreamRequest, body: cut(trail.upstreamRequest.body) },
    upstreamResponse: trail.upstreamResponse && { ...trail.upstreamResponse, body: cut(trail.upstreamResponse.body) },
    clientResponse: { ...trail.clientResponse, body: cut(trail.clientResponse.body) },
  };
}

function pick<T extends object, K extends keyof T>(value: T, ...keys: K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (value[key] !== undefined) out[key] = value[key];
  return out;
}
