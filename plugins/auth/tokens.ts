/**
 * How many tokens a request of a tpm-limited key is taken to use: what it reserves when it is
 * admitted, and what it counts when it ends. The rule (plugins/auth/README.md, "Limits"):
 *
 *   reserve   ceil(request body bytes / 4), plus the output cap the request sets
 *             (max_output_tokens, max_completion_tokens or max_tokens) if it sets one
 *   count     the usage the upstream reported (total_tokens), when there is one; else, when the
 *             response began (status below 400) or the client left before it did, an estimate:
 *             ceil(request body bytes / 4) + ceil(response body bytes sent to the client / 4);
 *             else 0 (refused by the gateway or an upstream error status: no answer was generated)
 *
 * The rest of the OpenAI API counts only the usage its answer reports (embeddings do): a file, an
 * audio upload or an image is not text, and its bytes say nothing about tokens.
 *
 * Four bytes a token is about right for English text and errs high for JSON, whose quotes, keys and
 * SSE framing are bytes without tokens; it errs low for text in scripts that take 2–3 UTF-8 bytes a
 * token or less (Chinese, Japanese: about 3 bytes a character, often a token each).
 */
import type { AuditRecord, JsonObject, RequestContext } from 'aurora';

export const BYTES_PER_TOKEN = 4;

// Where a missing usage is estimated from bytes: the model APIs, whose bodies are text.
const ESTIMATED: ReadonlySet<string | null> = new Set(['responses', 'chat.completions', 'messages']);

export function estimateTokens(bytes: number): number {
  return bytes > 0 ? Math.ceil(bytes / BYTES_PER_TOKEN) : 0;
}

/** What a request reserves at admission, once its body is read. */
export function reservationFor(ctx: RequestContext): number {
  if (!ctx.body) return 0; // an upload, or no body: no text to estimate from
  return estimateTokens(requestBytes(ctx)) + outputCap(ctx.body);
}

/** What a finished request counts against tpm. */
export function tokensUsed(record: AuditRecord): number {
  const usage = record.usage;
  if (usage) {
    const total = usage.total_tokens || (usage.input_tokens || 0) + (usage.output_tokens || 0);
    if (Number.isFinite(total) && total >= 0) return total;
  }
  if (record.status >= 400 && record.outcome !== 'client_closed') return 0;
  if (!ESTIMATED.has(record.endpoint)) return 0;
  return estimateTokens(record.requestBytes) + estimateTokens(record.responseBytes);
}

/**
 * The client's body size. Content-Length is exact once the body was read (the HTTP parser holds
 * the body to it); without one (chunked, or an in-process request) the parsed body is measured.
 */
function requestBytes(ctx: RequestContext): number {
  const length = Number(ctx.headers.get('content-length') ?? NaN);
  if (Number.isSafeInteger(length) && length >= 0) return length;
  return ctx.body ? Buffer.byteLength(JSON.stringify(ctx.body)) : 0;
}

/** The most output the request allows itself (Responses: max_output_tokens; Chat: max_completion_tokens, max_tokens). */
function outputCap(body: JsonObject | undefined): number {
  if (!body) return 0;
  for (const field of ['max_output_tokens', 'max_completion_tokens', 'max_tokens']) {
    const value = body[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  }
  return 0;
}
