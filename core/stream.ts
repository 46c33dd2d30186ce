/**
 * Stream plumbing between the upstream body and the client: the lazy event view handed to
 * `transformStream`, byte taps for the audit copy, and the frame that ends a broken stream.
 */
import type { ChunkSource } from './chunk-source.ts';
import { GatewayError } from './errors.ts';
import { anthropicErrorOf } from './front-doors/messages-errors.ts';
import { SseParser, formatSseEvent, jsonEvent } from './sse.ts';
import type { Endpoint, EventStream, SseEvent } from './types.ts';

/**
 * Parsed events over `body`, read only when someone reads them. If every `transformStream` tap
 * returns this stream unchanged, it is never pulled and the bytes go out untouched.
 *
 * An upstream failure mid-stream does not error this stream: it ends with one
 * `{ event: 'error', data: '{"error":{…}}' }` — the shape upstreams use for in-band errors — so a
 * translator can close its items and emit its own terminal event instead of being cut off.
 */
export function createLazyEventStream(
  getBody: () => ChunkSource,
  client: { readonly connection: { readonly closed: boolean } },
  describe: (err: unknown) => GatewayError,
  onBytes?: (chunk: Uint8Array) => void,
  maxEventChars = Infinity,
): EventStream {
  let source: ChunkSource | undefined;
  const parser = new SseParser(maxEventChars);
  const decoder = new TextDecoder();
  return new ReadableStream<SseEvent>(
    {
      async pull(controller) {
        source ??= getBody();
        let emitted = 0;
        const emit = (event: SseEvent) => {
          emitted++;
          controller.enqueue(event);
        };
        const fail = (err: unknown) => {
          if (client.connection.closed) return controller.error(err);
          try {
            parser.flush(emit);
          } catch {
            // what was left of the broken event is dropped with it
          }
          controller.enqueue(errorEvent(describe(err)));
          controller.close();
        };
        for (;;) {
          let chunk: Uint8Array | null;
          try {
            chunk = await source.next();
          } catch (err) {
            return fail(err);
          }
          try {
            if (chunk === null) {
              parser.push(decoder.decode(), emit);
              parser.flush(emit);
              return controller.close();
            }
            onBytes?.(chunk);
            parser.push(decoder.decode(chunk, { stream: true }), emit);
          } catch (err) {
            // An event past the bound: the upstream is let go, the stream ends with the error.
            source.cancel();
            return fail(err);
          }
          if (emitted > 0) return; // a chunk may hold only part of an event: keep reading until one is whole
        }
      },
      cancel(reason) {
        source?.cancel(reason);
      },
    },
    // 0: do not pull before a reader asks, or the laziness above is lost.
    { highWaterMark: 0 },
  );
}

export function errorEvent(err: GatewayError): SseEvent {
  return { event: 'error', data: JSON.stringify(err.toJSON()) };
}

/**
 * What a client reads when a stream breaks after it started: Responses clients (Codex) need a
 * terminal `response.failed` to retry; Chat clients read an in-band error chunk; Messages
 * clients (Claude Code) an `error` event.
 */
export function streamFailureFrame(endpoint: Endpoint | null, requestId: string, err: GatewayError): string {
  if (endpoint === 'messages') return formatSseEvent({ event: 'error', data: JSON.stringify(anthropicErrorOf(err, requestId)) });
  if (endpoint === 'responses') {
    return formatSseEvent(jsonEvent({
      type: 'response.failed',
      response: {
        id: `resp_${requestId.replace(/^req_/, '')}`,
        object: 'response',
        status: 'failed',
        error: { code: err.code, message: err.message },
        output: [],
      },
    }));
  }
  return formatSseEvent({ data: JSON.stringify(err.toJSON()) });
}
