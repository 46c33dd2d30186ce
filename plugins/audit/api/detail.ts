/**
 * The record detail the admin API returns: the stored record, plus for each streamed body its
 * parsed `events`, and for each response body the `reconstructed` final answer.
 */
import type { AuditRecord, AuditTrail, CapturedBody } from 'aurora';
import { isEventStream, parseEvents, reconstructAnswer, type Answer, type ParsedEvent } from '../record/reconstruct.ts';

export interface PartDetail {
  events?: ParsedEvent[];
  reconstructed?: Answer;
}

type Part = { headers: Record<string, string>; body: CapturedBody | null };

export interface RecordDetail extends Omit<AuditRecord, 'trail'> {
  trail: {
    clientRequest: AuditTrail['clientRequest'] & PartDetail;
    upstreamRequest: (NonNullable<AuditTrail['upstreamRequest']> & PartDetail) | null;
    upstreamResponse: (NonNullable<AuditTrail['upstreamResponse']> & PartDetail) | null;
    clientResponse: AuditTrail['clientResponse'] & PartDetail;
  } | null;
}

export function describeRecord(record: AuditRecord): RecordDetail {
  const t = record.trail;
  if (!t) return { ...record, trail: null };
  return {
    ...record,
    trail: {
      clientRequest: detail(t.clientRequest, false),
      upstreamRequest: t.upstreamRequest && detail(t.upstreamRequest, false),
      upstreamResponse: t.upstreamResponse && detail(t.upstreamResponse, true),
      clientResponse: detail(t.clientResponse, true),
    },
  };
}

function detail<P extends Part>(part: P, isResponse: boolean): P & PartDetail {
  const text = part.body?.text;
  if (!text) return part;
  const contentType = part.headers['content-type'];
  if (isEventStream(contentType, text)) return { ...part, events: parseEvents(text), reconstructed: reconstructAnswer(text, contentType) };
  return isResponse ? { ...part, reconstructed: reconstructAnswer(text, contentType) } : part;
}
