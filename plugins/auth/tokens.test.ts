import { describe, expect, it } from 'vitest';
import type { AuditRecord, RequestContext } from 'aurora';
import { reservationFor, tokensUsed } from './tokens.ts';

function record(fields: Partial<AuditRecord>): AuditRecord {
  return { endpoint: 'responses', status: 200, outcome: 'ok', usage: null, requestBytes: 0, responseBytes: 0, ...fields } as AuditRecord;
}

function ctx(body: Record<string, unknown>, headers: Record<string, string> = {}): RequestContext {
  return { body, headers: new Headers(headers) } as unknown as RequestContext;
}

describe('tokens a finished request counts', () => {
  const usage = { input_tokens: 30, output_tokens: 12, total_tokens: 42, cached_tokens: 0, reasoning_tokens: 0 };

  it('the usage the upstream reported, however the response ended', () => {
    expect(tokensUsed(record({ usage, requestBytes: 4000, responseBytes: 4000 }))).toBe(42);
    expect(tokensUsed(record({ usage, outcome: 'client_closed' }))).toBe(42);
    expect(tokensUsed(record({ usage: { ...usage, total_tokens: 0 } }))).toBe(42);
  });

  it('without usage: ceil(bytes / 4) of the request and of what was sent to the client', () => {
    expect(tokensUsed(record({ requestBytes: 101, responseBytes: 400 }))).toBe(26 + 100);
    expect(tokensUsed(record({ outcome: 'client_closed', requestBytes: 100, responseBytes: 1 }))).toBe(26);
    expect(tokensUsed(record({ outcome: 'error', requestBytes: 100, responseBytes: 8 }))).toBe(27); // a stream that broke after it began
    // The client left before the answer began (499): what it sent may have reached the upstream.
    expect(tokensUsed(record({ status: 499, outcome: 'client_closed', requestBytes: 100 }))).toBe(25);
  });

  it('the rest of the OpenAI API: its reported usage, never an estimate from bytes (a file is not text)', () => {
    expect(tokensUsed(record({ endpoint: 'embeddings', usage }))).toBe(42);
    expect(tokensUsed(record({ endpoint: 'files', requestBytes: 100_000_000, responseBytes: 300 }))).toBe(0);
    expect(tokensUsed(record({ endpoint: 'audio', requestBytes: 4_000_000, responseBytes: 80 }))).toBe(0);
  });

  it('nothing for an error status: refused by the gateway, or the upstream answered with an error', () => {
    expect(tokensUsed(record({ status: 400, outcome: 'error', requestBytes: 100, responseBytes: 200 }))).toBe(0);
    expect(tokensUsed(record({ status: 502, outcome: 'error', requestBytes: 100, responseBytes: 200 }))).toBe(0);
    expect(tokensUsed(record({ status: 429, outcome: 'error', requestBytes: 100, responseBytes: 200 }))).toBe(0);
  });
});

describe('tokens a request reserves at admission', () => {
  it('ceil(body bytes / 4) from Content-Length, plus the output cap the request sets', () => {
    expect(reservationFor(ctx({ model: 'm', input: 'hi' }, { 'content-length': '401' }))).toBe(101);
    expect(reservationFor(ctx({ model: 'm', max_output_tokens: 16 }, { 'content-length': '40' }))).toBe(26);
    expect(reservationFor(ctx({ model: 'm', max_tokens: 100 }, { 'content-length': '40' }))).toBe(110);
    expect(reservationFor(ctx({ model: 'm', max_completion_tokens: 7, max_tokens: 100 }, { 'content-length': '40' }))).toBe(17);
    expect(reservationFor(ctx({ model: 'm', max_tokens: 'lots' }, { 'content-length': '40' }))).toBe(10);
  });

  it('measures the parsed body when no Content-Length was sent', () => {
    const body = { model: 'm', input: 'x'.repeat(100) };
    expect(reservationFor(ctx(body))).toBe(Math.ceil(JSON.stringify(body).length / 4));
  });
});
