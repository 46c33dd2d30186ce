/**
 * Usage for every Chat Completions stream. A Chat stream reports its usage only when the client
 * asks (`stream_options.include_usage`); when the gateway needs it (audit, metrics, token limits)
 * and the client did not ask, the gateway asks the upstream itself and keeps the usage-only chunk
 * for itself: a client that did not ask for it may not expect a chunk with no choices.
 */
import type { JsonObject, SseEvent, Usage } from './types.ts';
import { usageFromJson } from './usage.ts';

/** The body to send upstream, asking for usage; undefined when the client asked already. */
export function askForChatUsage(body: JsonObject): { body: JsonObject } | undefined {
  const options = body.stream_options;
  if (options && typeof options === 'object' && options.include_usage === true) return undefined;
  return { body: { ...body, stream_options: { ...(options && typeof options === 'object' ? options : {}), include_usage: true } } };
}

/** Drops the usage-only chunk from the client's stream, handing its usage to `into`. */
export function keepChatUsage(into: { usage: Usage | undefined }): TransformStream<SseEvent, SseEvent> {
  return new TransformStream({
    transform(event, controller) {
      const data = event.data;
      // Cheap tests first: this runs for every chunk; only the usage chunk has empty choices and a usage object.
      if (data.includes('"usage"') && /"choices"\s*:\s*\[\s*\]/.test(data) && /"usage"\s*:\s*\{/.test(data)) {
        try {
          const chunk = JSON.parse(data) as JsonObject;
          if (Array.isArray(chunk.choices) && chunk.choices.length === 0) {
            into.usage = usageFromJson(chunk) ?? into.usage;
            return;
          }
        } catch {
          // not JSON: not the usage chunk, pass it on
        }
      }
      controller.enqueue(event);
    },
  });
}
