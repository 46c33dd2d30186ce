/**
 * The answer side of a translated route: the response is stored before the client can have it —
 * the stream's final event (`response.completed` / `response.incomplete`) waits for the write, a
 * whole answer is written before it is sent — so the next request, on any gateway sharing the
 * store, can continue it. The response object is corrected on the way: `previous_response_id` and
 * `store` say what the client asked and what was done (a provider plugin that keeps no state
 * echoes neither).
 */
import type { EventStream, JsonObject, RoutedContext, SseEvent } from 'aurora';
import type { Continuation } from './expand.ts';
import { inputItems, storedItem } from './items.ts';
import type { ResponseStore } from './store/response-store.ts';

export interface WriterOptions {
  store: () => ResponseStore;
  retentionMs: number;
  /** What the request side learnt of this request (its chain, its resolved input), if it leant on state. */
  continuation: (ctx: RoutedContext) => Continuation | undefined;
}

// A failed response is a broken exchange the client retries, not a turn to continue: not kept.
const KEPT: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete']);
const TERMINAL: ReadonlySet<string> = new Set([...KEPT, 'response.failed']);
const EARLY: ReadonlySet<string> = new Set(['response.created', 'response.in_progress']);

/** Stores a final response object (when the client asked to) and returns it as the client gets it. */
export async function settleResponse(response: JsonObject, ctx: RoutedContext, options: WriterOptions, kept = true): Promise<JsonObject> {
  const body = ctx.body ?? {};
  const continuation = options.continuation(ctx) ?? { previousId: null, depth: 1, input: inputItems(body.input) };
  const store = body.store !== false && kept && typeof response.id === 'string' && response.id !== '';
  const out: JsonObject = { ...response, previous_response_id: continuation.previousId, store };
  if (!store) {
    if (continuation.previousId !== null) ctx.annotations.responses = { previous: continuation.previousId, depth: continuation.depth, stored: false };
    return out;
  }
  const now = Date.now();
  try {
    await options.store().put({
      id: response.id,
      owner: ctx.principal?.id ?? '',
      provider: ctx.route.provider.name,
      model: typeof body.model === 'string' ? body.model : ctx.route.model,
      createdAt: now,
      expiresAt: now + options.retentionMs,
      previousId: continuation.previousId,
      depth: continuation.depth,
      input: continuation.input.map(storedItem),
      response: out,
    });
    ctx.annotations.responses = { ...(continuation.previousId ? { previous: continuation.previousId } : {}), depth: continuation.depth, stored: true };
  } catch (err) {
    // The answer is not lost for it: the client gets it, marked as not stored.
    ctx.log.error('responses-store: could not store the response; it is sent with store: false', { response: response.id, err });
    out.store = false;
    ctx.annotations.responses = { depth: continuation.depth, stored: false, error: (err as Error)?.message ?? String(err) };
  }
  return out;
}

/** Wraps a translated Responses stream: events pass as they come; the final one waits for the store. */
export function settleStream(stream: EventStream, ctx: RoutedContext, options: WriterOptions): EventStream {
  return stream.pipeThrough(new TransformStream<SseEvent, SseEvent>({
    async transform(event, controller) {
      const type = eventType(event);
      if (type !== undefined && EARLY.has(type)) return controller.enqueue(echoed(event, ctx, options));
      if (type === undefined || !TERMINAL.has(type)) return controller.enqueue(event);
      let data: JsonObject;
      try {
        data = JSON.parse(event.data) as JsonObject;
      } catch {
        return controller.enqueue(event);
      }
      if (!data || typeof data.response !== 'object' || data.response === null) return controller.enqueue(event);
      data.response = await settleResponse(data.response as JsonObject, ctx, options, KEPT.has(type));
      controller.enqueue({ ...event, data: JSON.stringify(data) });
    },
  }));
}

/**
 * `response.created` / `response.in_progress` with what the client asked (`store`, the
 * `previous_response_id` it continues), as OpenAI echoes them from the first event; the final event
 * says what was done.
 */
function echoed(event: SseEvent, ctx: RoutedContext, options: WriterOptions): SseEvent {
  let data: JsonObject;
  try {
    data = JSON.parse(event.data) as JsonObject;
  } catch {
    return event;
  }
  if (!data || typeof data.response !== 'object' || data.response === null) return event;
  const previousId = options.continuation(ctx)?.previousId ?? null;
  data.response = { ...data.response, previous_response_id: previousId, store: ctx.body?.store !== false };
  return { ...event, data: JSON.stringify(data) };
}

/** The event's type: its `event:` line, else the `type` its data starts with. */
function eventType(event: SseEvent): string | undefined {
  if (event.event !== undefined) return event.event;
  const data = event.data;
  if (!data.startsWith('{"type":"')) return undefined;
  const end = data.indexOf('"', 9);
  return end === -1 ? undefined : data.slice(9, end);
}
