import type { ResolvedTurn } from './turn.ts';
import { MOCK_CREATED } from './ids.ts';
import { DONE_FRAME, KEEP_ALIVE_FRAME, sseData, type StreamPlan } from './sse.ts';
import { splitPieces } from './text.ts';
import { toolCallFragments } from './tool-fragments.ts';
import { chatUsage, type TokenCounts } from './usage.ts';

// DeepSeek Chat Completions wire format (deepseek-chat.md §5–6).

export interface ChatRenderContext {
  id: string;
  model: string;
  /** Thinking mode of the request (DeepSeek's default is on). */
  thinking: boolean;
  includeUsage: boolean;
  pieces: number;
  tokens: TokenCounts;
}

const FINGERPRINT = 'fp_mock0000_prod0000_fp8_kvcache';

/** A thinking-mode reply always carries reasoning_content, even when empty. */
function hasReasoning(turn: ResolvedTurn, ctx: ChatRenderContext): boolean {
  return ctx.thinking || turn.reasoning !== '';
}

export function chatCompletion(turn: ResolvedTurn, ctx: ChatRenderContext) {
  const message: Record<string, unknown> = { role: 'assistant', content: turn.content };
  if (hasReasoning(turn, ctx)) message.reasoning_content = turn.reasoning;
  if (turn.toolCalls.length > 0) {
    message.tool_calls = turn.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
  }
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: MOCK_CREATED,
    model: ctx.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: turn.finishReason }],
    usage: chatUsage(ctx.tokens),
    system_fingerprint: FINGERPRINT,
  };
}

export function chatCompletionStream(turn: ResolvedTurn, ctx: ChatRenderContext): StreamPlan {
  const head = { id: ctx.id, object: 'chat.completion.chunk', created: MOCK_CREATED, model: ctx.model, system_fingerprint: FINGERPRINT };
  // Per OpenAI's chunk spec, choice chunks carry `usage: null` once usage was asked for.
  const chunk = (delta: object, finishReason: string | null = null) =>
    sseData({
      ...head,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
      ...(ctx.includeUsage ? { usage: null } : {}),
    });

  const thinking = hasReasoning(turn, ctx);
  const events: string[] = [];
  events.push(chunk(thinking ? { role: 'assistant', content: null, reasoning_content: '' } : { role: 'assistant', content: '' }));
  // The null sibling is what DeepSeek sends; it trips parsers that test for key presence.
  for (const piece of splitPieces(turn.reasoning, ctx.pieces)) events.push(chunk({ content: null, reasoning_content: piece }));
  for (const piece of splitPieces(turn.content ?? '', ctx.pieces)) {
    events.push(chunk(thinking ? { content: piece, reasoning_content: null } : { content: piece }));
  }
  for (const fragment of toolCallFragments(turn.toolCalls, ctx.pieces)) events.push(chunk({ tool_calls: [fragment] }));
  events.push(chunk({}, turn.finishReason));
  if (ctx.includeUsage) events.push(sseData({ ...head, choices: [], usage: chatUsage(ctx.tokens) }));
  events.push(DONE_FRAME);
  return { preamble: KEEP_ALIVE_FRAME, events };
}
