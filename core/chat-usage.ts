/**
 * Usage for every Chat Completions stream. A Chat stream reports its usage only when the client
 * asks (`stream_options.include_usage`); when the gateway needs it (audit, metrics, token limits)
 * and the client did not ask, the gateway asks the upstream itself and keeps the usage-only chunk
 * for itself: a client that did not ask for it may not expect a chunk with no choices.
 */
import { parseSseText } from './sse.ts';
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
      if (!takeUsageChunk(data, into)) controller.enqueue(event);
    },
  });
}

/** True when `data` is the usage-only chunk (its usage then handed to `into`). */
function takeUsageChunk(data: string, into: { usage: Usage | undefined }): boolean {
  // Cheap tests first: this runs for every chunk; only the usage chunk has empty choices and a usage object.
  if (!data.includes('"usage"') || !/"choices"\s*:\s*\[\s*\]/.test(data) || !/"usage"\s*:\s*\{/.test(data)) return false;
  try {
    const chunk = JSON.parse(data) as JsonObject;
    if (!Array.isArray(chunk.choices) || chunk.choices.length > 0) return false;
    into.usage = usageFromJson(chunk) ?? into.usage;
    return true;
  } catch {
    return false; // not JSON: not the usage chunk
  }
}

const EMPTY = new Uint8Array(0);
/** An event longer than this without its end is passed on as it is, not held. */
const MAX_HELD_BYTES = 64 * 1024;

/**
 * keepChatUsage on the bytes of a stream nobody reshapes: events go out as they came, with no
 * parse and no re-serializing; only an event that mentions `"usage"` is read. A chunk's last event
 * waits for its end (the blank line) in the next chunk — an event is of no use to a client before
 * its end, so nothing usable is delayed.
 */
export class ChatUsageFilter {
  #held: Buffer | undefined;

  constructor(private readonly into: { usage: Usage | undefined }) {}

  /** The bytes of `chunk` (after any held before it) that can go out now. */
  push(chunk: Uint8Array): Uint8Array {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#held) {
      buf = Buffer.concat([this.#held, buf]);
      this.#held = undefined;
    }
    const end = afterLastEvent(buf);
    if (end < buf.length && buf.length - end <= MAX_HELD_BYTES) {
      this.#held = Buffer.from(buf.subarray(end));
      buf = buf.subarray(0, end);
    }
    if (buf.length === 0) return EMPTY;
    return buf.indexOf('"usage"') === -1 ? buf : this.#withoutUsageChunk(buf);
  }

  /** What is still held at the end of the body (an event without its blank line), as it came. */
  end(): Uint8Array {
    const held = this.#held;
    this.#held = undefined;
    return held ?? EMPTY;
  }

  #withoutUsageChunk(buf: Buffer): Uint8Array {
    const text = buf.toString('utf8');
    const kept: string[] = [];
    let dropped = false;
    for (const { event, raw } of splitEvents(text)) {
      if (!dropped && raw.includes('"usage"') && event && takeUsageChunk(event.data, this.into)) dropped = true;
      else kept.push(raw);
    }
    return dropped ? Buffer.from(kept.join('')) : buf;
  }
}

/** The index just past the last blank line (`\n\n` or `\r\n\r\n`) of `buf`; 0 when it has none. */
function afterLastEvent(buf: Buffer): number {
  const lf = buf.lastIndexOf('\n\n');
  const crlf = buf.lastIndexOf('\r\n\r\n');
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}

/** Whole events of an SSE text, each with its own text (blank line included) and its parse. */
function* splitEvents(text: string): Generator<{ raw: string; event: SseEvent | undefined }> {
  const boundary = /\r?\n\r?\n/g;
  let from = 0;
  for (let m = boundary.exec(text); m; m = boundary.exec(text)) {
    const raw = text.slice(from, m.index + m[0].length);
    from = m.index + m[0].length;
    yield { raw, event: raw.includes('"usage"') ? parseSseText(raw)[0] : undefined };
  }
  if (from < text.length) yield { raw: text.slice(from), event: undefined };
}
