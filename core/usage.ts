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

/**
 * The last usage in an SSE text (a stream's tail is enough). Only the event holding the last
 * `"usage"` is parsed: this runs for every streamed request.
 */
export function usageFromSse(text: string): Usage | null {
  let at = text.lastIndexOf('"usage"');
  while (at !== -1) {
    const start = text.lastIndexOf('\n\n', at);
    const end = text.indexOf('\n\n', at);
    const block = text.slice(start === -1 ? 0 : start + 2, end === -1 ? text.length : end);
    for (const event of parseSseText(block)) {
      try {
        const usage = usageFromJson(JSON.parse(event.data));
        if (usage) return usage;
      } catch {
        // a cut-off event at the start of a tail, or `"usage": null` text; look further back
      }
    }
    at = start === -1 ? -1 : text.lastIndexOf('"usage"', start);
  }
  return null;
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
