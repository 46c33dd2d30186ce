/**
 * Server-sent events: parse bytes into events and serialise them back.
 * The parser keeps one pending string per stream and scans only newly arrived text, so a long
 * stream costs O(bytes), not O(bytes × chunks).
 */
import type { SseEvent } from './types.ts';

const encoder = new TextEncoder();

/** Serialise one event as it goes on the wire (`event:` line only when the event is named). */
export function formatSseEvent(event: SseEvent): string {
  let out = '';
  if (event.event) out += `event: ${event.event}\n`;
  if (event.id) out += `id: ${event.id}\n`;
  // A data value with newlines must be split over several data lines to survive the round trip.
  if (event.data.includes('\n')) for (const line of event.data.split('\n')) out += `data: ${line}\n`;
  else out += `data: ${event.data}\n`;
  return out + '\n';
}

/** A JSON event named after its `type`, as the Responses API sends them. */
export function jsonEvent(payload: { type: string } & Record<string, unknown>): SseEvent {
  return { event: payload.type, data: JSON.stringify(payload) };
}

/** Thrown by a bounded SseParser when one event grows past its bound. */
export class SseEventTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`a streamed event is longer than ${limit} characters`);
    this.name = 'SseEventTooLargeError';
  }
}

/**
 * Incremental parser: feed text, get complete events. Exposed for plugins that read raw bodies.
 * With `maxEventChars`, an event (or a line) longer than that throws SseEventTooLargeError instead
 * of being held whole: an upstream must not make the gateway buffer without end.
 */
export class SseParser {
  /** Pieces of a line whose end has not arrived: joined once, when it does. */
  private partial: string[] = [];
  private event: string | undefined;
  private id: string | undefined;
  private data: string[] = [];
  /** Characters of the data lines of the event being read, and of the unfinished line. */
  private held = 0;
  private partialChars = 0;

  constructor(private readonly maxEventChars = Infinity) {}

  /**
   * Parse `text` (any split point is fine) and hand each complete event to `emit`. Each character
   * is scanned once: a long event arriving in many chunks is neither re-scanned nor concatenated
   * per chunk.
   */
  push(text: string, emit: (event: SseEvent) => void): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (this.partial.length > 0) {
      if (nl === -1) {
        this.partial.push(text);
        this.partialChars += text.length;
        if (this.held + this.partialChars > this.maxEventChars) this.tooLarge();
        return;
      }
      this.partial.push(text.slice(0, nl));
      const line = this.partial.join('');
      this.partial = [];
      this.partialChars = 0;
      this.line(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, emit);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl !== -1) {
      const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      this.line(text.slice(start, end), emit);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      this.partial.push(start === 0 ? text : text.slice(start));
      this.partialChars = text.length - start;
    }
    if (this.held + this.partialChars > this.maxEventChars) this.tooLarge();
  }

  /** End of input: an event without its blank line still counts (some upstreams omit the last one). */
  flush(emit: (event: SseEvent) => void): void {
    if (this.partial.length > 0) {
      const line = this.partial.join('');
      this.partial = [];
      this.partialChars = 0;
      this.line(line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line, emit);
    }
    this.dispatch(emit);
  }

  private tooLarge(): never {
    this.partial = [];
    this.partialChars = 0;
    this.data = [];
    this.held = 0;
    throw new SseEventTooLargeError(this.maxEventChars);
  }

  private line(line: string, emit: (event: SseEvent) => void): void {
    if (line === '') return this.dispatch(emit);
    if (line.charCodeAt(0) === 58 /* ':' comment, e.g. keep-alive */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.held += value.length;
      if (this.held > this.maxEventChars) this.tooLarge();
    }
    else if (field === 'event') this.event = value;
    else if (field === 'id') this.id = value;
  }

  private dispatch(emit: (event: SseEvent) => void): void {
    if (this.data.length > 0) {
      const event: SseEvent = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') };
      if (this.event) event.event = this.event;
      if (this.id) event.id = this.id;
      emit(event);
    }
    this.data = [];
    this.event = undefined;
    this.id = undefined;
    this.held = 0;
  }
}

/** Bytes → events. */
export function createSseParserStream(): TransformStream<Uint8Array, SseEvent> {
  const decoder = new TextDecoder();
  const parser = new SseParser();
  return new TransformStream({
    transform(chunk, controller) {
      parser.push(decoder.decode(chunk, { stream: true }), (e) => controller.enqueue(e));
    },
    flush(controller) {
      parser.push(decoder.decode(), (e) => controller.enqueue(e));
      parser.flush((e) => controller.enqueue(e));
    },
  });
}

/** Events → bytes, one chunk per event so each is flushed on its own. */
export function createSseSerializerStream(): TransformStream<SseEvent, Uint8Array> {
  return new TransformStream({
    transform(event, controller) {
      controller.enqueue(encoder.encode(formatSseEvent(event)));
    },
  });
}

/** Parse a whole SSE text at once (tests, audit). */
export function parseSseText(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  const parser = new SseParser();
  const emit = (e: SseEvent) => events.push(e);
  parser.push(text, emit);
  parser.flush(emit);
  return events;
}
