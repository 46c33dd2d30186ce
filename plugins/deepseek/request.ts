/**
 * Request direction for DeepSeek: the bridge's Responses → Chat translation with DeepSeek's profile
 * (profile.ts). translation.md §1.
 */
import { mapEffort as mapProfileEffort, toChatRequest as translate, type ReasoningCarrier, type ToolIndex } from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';
import { DEEPSEEK } from './profile.ts';

export { ABORTED, NO_OUTPUT, applyTextFormat, partsText } from 'aurora/plugins/chat-bridge';

export interface ChatRequestOptions {
  /** The DeepSeek model id to call. */
  model: string;
  carrier: ReasoningCarrier;
  /** The tool index of this request, when the caller built it already. */
  tools?: ToolIndex;
}

export function toChatRequest(body: JsonObject, opts: ChatRequestOptions): JsonObject {
  return translate(body, { ...opts, profile: DEEPSEEK, label: 'DeepSeek' });
}

export interface MappedEffort {
  thinking: { type: 'enabled' | 'disabled' };
  reasoning_effort?: 'high' | 'max';
}

/** One client effort → DeepSeek's two Chat fields, for both routes (§1.4). */
export function mapEffort(effort: unknown): MappedEffort {
  return mapProfileEffort(effort, DEEPSEEK.effort).fields as MappedEffort;
}
