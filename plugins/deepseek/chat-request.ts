/**
 * Chat direction: an OpenAI Chat Completions body → a DeepSeek Chat Completions body, rebuilt under
 * DeepSeek's rules by the bridge (reasoning_content on every assistant message in thinking mode,
 * tool messages right after their calls, efforts mapped as on the Responses route).
 */
import { toStrictChatRequest } from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';
import { DEEPSEEK } from './profile.ts';

export interface ChatNormalizeOptions {
  /** The DeepSeek model id to call. */
  model: string;
}

export function toDeepSeekChatRequest(body: JsonObject, opts: ChatNormalizeOptions): JsonObject {
  return toStrictChatRequest(body, { model: opts.model, profile: DEEPSEEK });
}
