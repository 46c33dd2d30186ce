/**
 * Token usage read from what the client received: a Responses object, a Chat Completions object,
 * an Anthropic Messages object, or the events of any of their streams. Whatever the shape, the
 * result counts every input token in `input_tokens` (cache reads and writes included) and every
 * generated token in `output_tokens` (reasoning included), as core/pricing prices them:
 *
 * - Responses: `input_tokens` already includes `input_tokens_details.cached_tokens`; a translating
 *   provider that knows cache writes may add `input_tokens_details.cache_creation_tokens` (and
 *   `cache_creation_1h_tokens`), counted within `input_tokens`.
 * - Chat Completions: `prompt_tokens` includes the cached tokens (`prompt_tokens_details.cached_tokens`,
 *   or DeepSeek's `prompt_cache_hit_tokens`); `completion_tokens` includes reasoning.
 * - Messages: `input_tokens` excludes the cache: `cache_read_input_tokens` and
 *   `cache_creation_input_tokens` (split by lifetime in `cache_creation`) are added to it. In a
 *   stream, `message_start` carries the input counts and `message_delta` the final output count
 *   (cumulative input counts too, on the current API).
 */
import { parseSseText } from './sse.ts';
import type { JsonObject, Usage } from './types.ts';

export function usageFromJson(body: JsonObject | undefined): Usage | null {
  const u = body?.usage ?? body?.response?.usage ?? body?.message?.usage;
  if (!u || typeof u !== 'object') return null;
  if (typeof u.input_tokens === 'number') {
    if (isMessagesUsage(u, body)) return messagesUsage(u);
    const usage: Usage = {
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens ?? 0,
      total_tokens: u.total_tokens ?? u.input_tokens + (u.output_tokens ?? 0),
      cached_tokens: u.input_tokens_details?.cached_tokens ?? 0,
      reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    };
    const written = count(u.input_tokens_details?.cache_creation_tokens);
    if (written > 0) addCacheWrites(usage, written, count(u.input_tokens_details?.cache_creation_1h_tokens));
    return usage;
  }
  if (typeof u.prompt_tokens === 'number') {
    return {
      input_tokens: u.prompt_tokens,
      output_tokens: u.completion_tokens ?? 0,
      total_tokens: u.total_tokens ?? u.prompt_tokens + (u.completion_tokens ?? 0),
      cached_tokens: u.prompt_cache_hit_tokens ?? u.prompt_tokens_details?.cached_tokens ?? 0,
      reasoning_tokens: u.completion_tokens_details?.reasoning_tokens ?? 0,
    };
  }
  return null;
}

/**
 * The last usage in an SSE text (a stream's tail is enough). Only the event holding the last
 * `"usage"` is parsed: this runs for every streamed request. A Messages stream's `message_delta`
 * is completed with what its `message_start` says (input counts, the cache writes' lifetimes) when
 * the tail still holds it.
 */
export function usageFromSse(text: string): Usage | null {
  // The final counts of a Messages stream, waiting for its message_start.
  let delta: JsonObject | undefined;
  let at = text.lastIndexOf('"usage"');
  while (at !== -1) {
    const start = text.lastIndexOf('\n\n', at);
    const end = text.indexOf('\n\n', at);
    const block = text.slice(start === -1 ? 0 : start + 2, end === -1 ? text.length : end);
    for (const event of parseSseText(block)) {
      try {
        const body = JSON.parse(event.data);
        if (delta) {
          if (body?.type === 'message_start' && body.message?.usage) return messagesUsage({ ...body.message.usage, ...delta });
        } else if (body?.type === 'message_delta' && body.usage && typeof body.usage === 'object') {
          delta = present(body.usage);
        } else {
          const usage = usageFromJson(body);
          if (usage) return usage;
        }
      } catch {
        // a cut-off event at the start of a tail, or `"usage": null` text; look further back
      }
    }
    at = start === -1 ? -1 : text.lastIndexOf('"usage"', start);
  }
  // A message_start cut off by the tail: the delta's own counts (all of them, on the current API).
  return delta ? messagesUsage(delta) : null;
}

/** Anthropic's usage: input without the cache, whose reads and writes are counted apart. */
function isMessagesUsage(u: JsonObject, body: JsonObject | undefined): boolean {
  return 'cache_read_input_tokens' in u || 'cache_creation_input_tokens' in u || body?.type === 'message' || body?.type === 'message_start' || body?.type === 'message_delta';
}

function messagesUsage(u: JsonObject): Usage {
  const read = count(u.cache_read_input_tokens);
  const written = count(u.cache_creation_input_tokens);
  const input = count(u.input_tokens) + read + written;
  const output = count(u.output_tokens);
  const usage: Usage = { input_tokens: input, output_tokens: output, total_tokens: input + output, cached_tokens: read, reasoning_tokens: 0 };
  if (written > 0) addCacheWrites(usage, written, count(u.cache_creation?.ephemeral_1h_input_tokens));
  return usage;
}

function addCacheWrites(usage: Usage, written: number, written1h: number): void {
  usage.cache_creation_tokens = written;
  if (written1h > 0) usage.cache_creation_1h_tokens = Math.min(written1h, written);
}

/** The fields of a usage object that have a value (a `message_delta` sends nulls for what it does not know). */
function present(u: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(u)) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Usage from a JSON body's text without parsing the whole body: only the object after the last
 * `"usage"` key is parsed (answers can be large; this runs for every request).
 */
export function usageFromJsonText(text: string): Usage | null {
  const at = text.lastIndexOf('"usage"');
  if (at === -1) return null;
  let i = at + 7;
  while (i < text.length && (text[i] === ' ' || text[i] === ':' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  if (text[i] !== '{') return null;
  const end = matchingBrace(text, i);
  if (end === -1) return null;
  try {
    return usageFromJson({ usage: JSON.parse(text.slice(i, end + 1)) });
  } catch {
    return null;
  }
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92 /* \ */) i++;
    } else if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */ && --depth === 0) return i;
  }
  return -1;
}
