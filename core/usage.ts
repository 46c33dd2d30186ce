/**
 * Token usage read from what the client received: a Responses object, a Chat Completions object,
 * or the events of either stream. Plugins translate to these shapes, so the core reads only these.
 */
import { parseSseText } from './sse.ts';
import type { JsonObject, Usage } from './types.ts';

export function usageFromJson(body: JsonObject | undefined): Usage | null {
  const u = body?.usage ?? body?.response?.usage;
  if (!u || typeof u !== 'object') return null;
  if (typeof u.input_tokens === 'number') {
    return {
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens ?? 0,
      total_tokens: u.total_tokens ?? u.input_tokens + (u.output_tokens ?? 0),
      cached_tokens: u.input_tokens_details?.cached_tokens ?? 0,
      reasoning_tokens: u.output_tokens_details?.reasoning_tokens ?? 0,
    };
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

/** The last usage found in an SSE text (a stream's tail is enough). */
export function usageFromSse(text: string): Usage | null {
  const events = parseSseText(text);
  for (let i = events.length - 1; i >= 0; i--) {
    const data = events[i]!.data;
    if (!data.includes('"usage"')) continue;
    try {
      const usage = usageFromJson(JSON.parse(data));
      if (usage) return usage;
    } catch {
      // a cut-off first event in a tail; keep looking
    }
  }
  return null;
}
