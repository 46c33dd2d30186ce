/**
 * Front doors: the model APIs clients call (Responses, Chat Completions, Messages) and the hub
 * between them. A request whose provider does not take the client's API as it comes is translated
 * to the hub — a Responses request — before any transformRequest tap, and the hub's answer is
 * translated back before the client sees it. So every provider plugin serves every client API by
 * serving the hub: one translator per dialect, not one per pair (docs/front-doors.md).
 */
import type { MutableContext } from '../context.ts';
import type { GatewayError } from '../errors.ts';
import type { JsonObject, ModelApi, Provider, SseEvent, Usage } from '../types.ts';
import { usageFromJson } from '../usage.ts';
import { anthropicErrorOf, anthropicErrorType, anthropicErrorBody } from './messages-errors.ts';
import { chatToHub } from './chat-request.ts';
import { hubToChatResponse, hubToChatStream } from './chat-response.ts';
import { messagesToHub } from './messages-request.ts';
import { hubToMessagesResponse, hubToMessagesStream } from './messages-response.ts';

/** What a provider takes as it comes when it says nothing (`Provider.apis`). */
export const DEFAULT_APIS: readonly ModelApi[] = ['responses', 'chat.completions'];

export interface FrontDoor {
  /** The client's answer from the hub's whole answer. */
  answer(hub: JsonObject): { status: number; body: JsonObject };
  /** The client's events from the hub's. */
  stream(): TransformStream<SseEvent, SseEvent>;
}

/** What the audit record says of a translated request (`annotations.translated`). */
export interface TranslationAnnotation {
  from: ModelApi;
  to: 'responses';
  /** Request features the hub could not carry. */
  dropped?: string[];
}

/**
 * Translates `ctx` (its body and endpoint) to the hub when `provider` does not take the client's
 * API, and returns the way back; undefined when no translation is needed. Usage the answer
 * reports goes to `into.usage` (the core's own accounting of translated answers).
 */
export function enterFrontDoor(ctx: MutableContext, provider: Provider, into: { usage: Usage | undefined }): FrontDoor | undefined {
  const api = ctx.clientApi;
  if ((api !== 'messages' && api !== 'chat.completions') || (provider.apis ?? DEFAULT_APIS).includes(api)) return undefined;
  const client = ctx.body!;
  const { body, dropped } = api === 'messages' ? messagesToHub(client) : chatToHub(client);
  ctx.annotations.translated = (dropped.length > 0 ? { from: api, to: 'responses', dropped } : { from: api, to: 'responses' }) satisfies TranslationAnnotation;
  ctx.body = body;
  ctx.endpoint = 'responses';
  const onUsage = (usage: Usage) => void (into.usage = usage);
  const model = String(client.model);
  const answers = api === 'messages'
    ? { whole: (hub: JsonObject) => hubToMessagesResponse(hub, { model, omitThinking: client.thinking?.display === 'omitted' }), stream: () => hubToMessagesStream({ model, omitThinking: client.thinking?.display === 'omitted', onUsage }) }
    : { whole: (hub: JsonObject) => hubToChatResponse(hub, { model, includeUsage: false }), stream: () => hubToChatStream({ model, includeUsage: client.stream_options?.include_usage === true, onUsage }) };
  return {
    answer(hub) {
      into.usage = usageFromJson(hub) ?? into.usage;
      const { body, failed } = answers.whole(hub);
      // A whole answer that says it failed is the upstream's failure: 502, in the client's shape.
      return { status: failed ? 502 : 200, body };
    },
    stream: answers.stream,
  };
}

/** Whether errors to this client take Anthropic's shape. */
export function speaksAnthropic(api: string | null): boolean {
  return api === 'messages' || api === 'messages.count_tokens';
}

/** A gateway error as the body the client's API uses. */
export function errorBodyFor(api: string | null, error: GatewayError, requestId: string): JsonObject {
  return speaksAnthropic(api) ? anthropicErrorOf(error, requestId) : error.toJSON();
}

/**
 * An upstream's error as the body the client's API uses. `native` is the upstream's own body when
 * it is already in the client's shape (a Messages provider answering a Messages client).
 */
export function upstreamErrorBodyFor(api: string | null, status: number, openai: { error: { message: string } }, native: unknown, requestId: string): JsonObject {
  if (!speaksAnthropic(api)) return openai;
  const own = native as JsonObject | undefined;
  if (own && own.type === 'error' && own.error && typeof own.error === 'object') return own;
  return anthropicErrorBody(anthropicErrorType(status), openai.error.message, requestId);
}
