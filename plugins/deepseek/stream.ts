/**
 * Stream direction for DeepSeek: the bridge's chat.completion.chunk → Responses events translator
 * with DeepSeek's profile. translation.md §3.
 */
import { createResponsesStreamTranslator as translate } from 'aurora/plugins/chat-bridge';
import type { SseEvent } from 'aurora';
import { DEEPSEEK } from './profile.ts';
import type { ResponsesContext } from './response.ts';

export { streamError } from 'aurora/plugins/chat-bridge';

export function createResponsesStreamTranslator(ctx: ResponsesContext): TransformStream<SseEvent, SseEvent> {
  return translate({ ...ctx, profile: DEEPSEEK });
}
