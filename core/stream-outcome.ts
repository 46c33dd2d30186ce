/**
 * How a stream ended, read from the last events the client received. A stream can fail in band
 * and still end cleanly on the wire: a Responses stream with `response.failed` (or an `error`
 * event), a Chat Completions stream with an error chunk, a Messages stream with an `error` event.
 */
import { parseSseText } from './sse.ts';
import type { SseEvent } from './types.ts';

/** The error the stream ended with, or undefined when it ended as a success (or unreadably). */
export function streamFailure(tail: string): { code: string; message: string } | undefined {
  const last = lastEvent(tail);
  if (!last) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(last.data);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const event = data as Record<string, unknown>;
  if (event.type === 'response.failed') return describe((event.response as Record<string, unknown> | undefined)?.error, 'server_error');
  if (last.event === 'error' || event.type === 'error' || (event.error && typeof event.error === 'object')) {
    return describe(event.error ?? event, 'server_error');
  }
  return undefined;
}

/** The last event of a stream tail that says something (`[DONE]` says only that the stream ended). */
function lastEvent(tail: string): SseEvent | undefined {
  // Only the last few events matter: cut the text before parsing it.
  let start = tail.length;
  for (let found = 0; found < 3 && start > 0; found++) {
    const at = tail.lastIndexOf('\n\n', start - 3);
    start = at === -1 ? 0 : at + 2;
  }
  const events = parseSseText(tail.slice(start));
  for (let i = events.length - 1; i >= 0; i--) {
    if (events[i]!.data !== '[DONE]') return events[i];
  }
  return undefined;
}

function describe(error: unknown, fallback: string): { code: string; message: string } {
  const e = (error && typeof error === 'object' ? error : {}) as Record<string, unknown>;
  const code = typeof e.code === 'string' && e.code ? e.code : typeof e.type === 'string' && e.type ? e.type : fallback;
  const message = typeof e.message === 'string' && e.message ? e.message : 'the stream ended with an error';
  return { code, message };
}
