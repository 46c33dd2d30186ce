import type { ResolvedTurn } from './turn.ts';
import { sseEvent, type StreamPlan } from './sse.ts';
import { splitPieces } from './text.ts';
import { redactedData, signThinking } from './messages-signature.ts';

// Anthropic Messages wire format. The stream follows the grammar of the events Claude Code accepted
// (test/fixtures/claude-code/*.response.sse): message_start, ping, then per block
// content_block_start / content_block_delta… / content_block_stop, then message_delta and
// message_stop. Blocks come as the model writes them: thinking, text, tool_use.

export interface MessagesUsage {
  input: number;
  cacheRead: number;
  cacheCreation: number;
  creation5m: number;
  creation1h: number;
  output: number;
}

export interface MessagesRenderContext {
  id: string;
  model: string;
  pieces: number;
  /** The request's thinking display hides the text (the signature still carries it). */
  omitted: boolean;
  /** Reasoning goes out as a redacted_thinking block. */
  redacted: boolean;
  usage: MessagesUsage;
}

type Block =
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'redacted_thinking'; data: string }
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

const STOP_REASON: Record<ResolvedTurn['finishReason'], string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  content_filter: 'refusal',
  // Never rendered as a stop: the stream ends with an overloaded error instead.
  insufficient_system_resource: 'end_turn',
};

function parseInput(args: string): Record<string, unknown> {
  try {
    const value = JSON.parse(args);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
  } catch {
    return {}; // a script's unparsable arguments still stream verbatim as input_json_delta
  }
}

function buildBlocks(turn: ResolvedTurn, ctx: MessagesRenderContext): Block[] {
  const blocks: Block[] = [];
  if (turn.reasoning !== '') {
    blocks.push(
      ctx.redacted
        ? { type: 'redacted_thinking', data: redactedData(turn.reasoning) }
        : { type: 'thinking', thinking: ctx.omitted ? '' : turn.reasoning, signature: signThinking(turn.reasoning, ctx.omitted) },
    );
  }
  // The API never emits an empty text block (and refuses one replayed).
  if (turn.content !== null && turn.content !== '') blocks.push({ type: 'text', text: turn.content });
  for (const call of turn.toolCalls) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: parseInput(call.arguments) });
  return blocks;
}

function usageJson(u: MessagesUsage, outputTokens: number) {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheCreation,
    cache_read_input_tokens: u.cacheRead,
    cache_creation: { ephemeral_5m_input_tokens: u.creation5m, ephemeral_1h_input_tokens: u.creation1h },
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

export function messageJson(turn: ResolvedTurn, ctx: MessagesRenderContext) {
  return {
    id: ctx.id,
    type: 'message',
    role: 'assistant',
    model: ctx.model,
    content: buildBlocks(turn, ctx),
    stop_reason: STOP_REASON[turn.finishReason],
    stop_sequence: null,
    usage: usageJson(ctx.usage, ctx.usage.output),
  };
}

export function messagesStream(turn: ResolvedTurn, ctx: MessagesRenderContext): StreamPlan {
  const events: string[] = [];
  const emit = (type: string, fields: object = {}) => events.push(sseEvent(type, { type, ...fields }));

  emit('message_start', {
    message: { id: ctx.id, type: 'message', role: 'assistant', model: ctx.model, content: [], stop_reason: null, stop_sequence: null, usage: usageJson(ctx.usage, 1) },
  });
  emit('ping');
  let call = 0;
  buildBlocks(turn, ctx).forEach((block, index) => {
    const delta = (d: object) => emit('content_block_delta', { index, delta: d });
    if (block.type === 'thinking') {
      emit('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      if (block.thinking !== '') for (const piece of splitPieces(block.thinking, ctx.pieces)) delta({ type: 'thinking_delta', thinking: piece });
      delta({ type: 'signature_delta', signature: block.signature });
    } else if (block.type === 'redacted_thinking') {
      emit('content_block_start', { index, content_block: block });
    } else if (block.type === 'text') {
      emit('content_block_start', { index, content_block: { type: 'text', text: '' } });
      for (const piece of splitPieces(block.text, ctx.pieces)) delta({ type: 'text_delta', text: piece });
    } else {
      emit('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      for (const piece of splitPieces(turn.toolCalls[call++]!.arguments, ctx.pieces)) delta({ type: 'input_json_delta', partial_json: piece });
    }
    emit('content_block_stop', { index });
  });
  if (turn.finishReason === 'insufficient_system_resource') {
    // How an overloaded Anthropic stream fails once it started: an error event, no message_stop.
    emit('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    return { preamble: '', events };
  }
  emit('message_delta', { delta: { stop_reason: STOP_REASON[turn.finishReason], stop_sequence: null }, usage: { output_tokens: ctx.usage.output } });
  emit('message_stop');
  return { preamble: '', events };
}
