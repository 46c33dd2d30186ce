/**
 * Response direction (non-streaming) for DeepSeek: the bridge's chat.completion → Responses
 * translation with DeepSeek's profile. translation.md §2.
 */
import { mapUsage as mapProfileUsage, toResponsesResponse as translate, type ReasoningCarrier, type ToolIndex } from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';
import { DEEPSEEK } from './profile.ts';

export { STREAM_ENDED_EARLY, newId, terminalState } from 'aurora/plugins/chat-bridge';

export interface ResponsesContext {
  /** The client's Responses request body (tool kinds, echoed fields). */
  request: JsonObject;
  /** The model name the client asked for (echoed as `model`). */
  model: string;
  carrier: ReasoningCarrier;
  /** The request's tool index, when the caller built it already. */
  tools?: ToolIndex;
}

export function toResponsesResponse(chat: JsonObject, ctx: ResponsesContext): JsonObject {
  return translate(chat, { ...ctx, profile: DEEPSEEK });
}

/** DeepSeek's usage (`prompt_cache_hit_tokens`, reasoning tokens) in the Responses shape. */
export function mapUsage(usage: unknown): JsonObject | null {
  return mapProfileUsage(usage, DEEPSEEK.usage);
}
