/**
 * Response direction (non-streaming): an Anthropic Message → an OpenAI Responses object. Also home
 * of the Anthropic-specific pieces the stream translator shares (reasoning items, usage,
 * stop_reason and error mapping); the item shapes and the response skeleton every translator
 * builds alike are the chat bridge's (aurora/plugins/chat-bridge), so Codex sees one shape.
 */
import {
  type EchoSource,
  type ItemStatus,
  type TerminalState,
  type ToolIndex,
  buildToolIndex,
  callItem,
  messageItem,
  newId,
  responseSkeleton,
  settleResponse,
  unwrapCustomInput,
} from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';
import { sealThinking, type ThinkingBlock } from './carrier.ts';

/** `request`: the hub request body (tool kinds, echoed fields); `model`: the name the client asked for (echoed). */
export interface ResponsesContext extends EchoSource {
  /** The Claude model id the request went to (recorded with the thinking blocks). */
  upstreamModel: string;
  /** The request's tool index, when the caller built it already. */
  tools?: ToolIndex;
}

// ---------------------------------------------------------------------------------------------
// Output items

/**
 * The reasoning item of one thinking (or redacted thinking) block. The text goes to `summary`
 * (what Codex shows) and `content` (raw reasoning, for other clients); the block itself, signature
 * included, goes into `encrypted_content` (carrier.ts), the part Codex sends back.
 */
export function reasoningItem(id: string, block: ThinkingBlock, ctx: ResponsesContext): JsonObject {
  const text = block.type === 'thinking' ? block.thinking : '';
  const item: JsonObject = { id, type: 'reasoning', summary: text === '' ? [] : [{ type: 'summary_text', text }] };
  if (text !== '') item.content = [{ type: 'reasoning_text', text }];
  item.encrypted_content = sealThinking(ctx.upstreamModel, [block]);
  return item;
}

// ---------------------------------------------------------------------------------------------
// Usage: Responses counts every input token in `input_tokens`; Anthropic counts cache reads and
// cache writes apart from `input_tokens`. Both details objects always present, or Codex cannot
// parse the usage.

export function mapUsage(usage: unknown): JsonObject | null {
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as JsonObject;
  const cacheRead = int(u.cache_read_input_tokens);
  const input = int(u.input_tokens) + cacheRead + int(u.cache_creation_input_tokens);
  const output = int(u.output_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: cacheRead },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: Math.min(output, int(u.output_tokens_details?.thinking_tokens)) },
    total_tokens: input + output,
  };
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
}

// ---------------------------------------------------------------------------------------------
// stop_reason → terminal state

export const STREAM_ENDED_EARLY = 'the Anthropic stream ended before the answer was complete';

export function terminalState(stopReason: string | null | undefined): TerminalState {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      // Output cut short (by max_tokens or by the context window): the Responses API's "max_output_tokens".
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, error: null };
    case 'refusal':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null };
    case null:
    case undefined:
      return { status: 'failed', incomplete_details: null, error: { code: 'server_error', message: STREAM_ENDED_EARLY } };
    default:
      // end_turn, tool_use, stop_sequence; pause_turn (only server tools pause, and this plugin
      // declares none), anything new: the items that came are whole.
      return { status: 'completed', incomplete_details: null, error: null };
  }
}

/** Status of the items a stop_reason closes: cut-off items are `incomplete`. */
export function itemStatusFor(stopReason: string | null | undefined): ItemStatus {
  return terminalState(stopReason).status === 'completed' ? 'completed' : 'incomplete';
}

/**
 * An Anthropic error (an `error` event, or the core's when the connection failed) → the
 * `response.failed` error Codex acts on: `rate_limit_exceeded` and `server_error` are retried;
 * `context_length_exceeded`, `insufficient_quota` and `invalid_prompt` are shown, not retried.
 */
export function streamError(error: unknown): { code: string; message: string } {
  const e: JsonObject = error && typeof error === 'object' ? (error as JsonObject) : { message: typeof error === 'string' ? error : undefined };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'the Anthropic stream failed';
  const kind = `${e.type ?? ''} ${e.code ?? ''}`;
  if (/rate_limit/.test(kind)) return { code: 'rate_limit_exceeded', message };
  if (/billing|insufficient_quota/.test(kind)) return { code: 'insufficient_quota', message };
  if (/prompt is too long|context window|context length|too many tokens/i.test(message) || /context_length/.test(kind)) return { code: 'context_length_exceeded', message };
  if (/invalid_request|request_too_large|not_found/.test(kind)) return { code: 'invalid_prompt', message };
  if (/authentication|permission/.test(kind)) return { code: 'invalid_prompt', message: `Anthropic refused the gateway's credentials (the operator's to fix): ${message}` };
  // overloaded_error, api_error, timeout_error, a broken connection: try again.
  return { code: 'server_error', message };
}

/** A tool_use input as the function call's `arguments` text (`{}` when there is none). */
export function argumentsText(input: unknown): string {
  if (typeof input === 'string') return input.trim() === '' ? '{}' : input;
  return JSON.stringify(input && typeof input === 'object' ? input : {});
}

// ---------------------------------------------------------------------------------------------

export function toResponsesResponse(message: JsonObject, ctx: ResponsesContext): JsonObject {
  const index = ctx.tools ?? buildToolIndex(ctx.request.tools);
  const response = responseSkeleton(ctx, newId('resp'), Math.floor(Date.now() / 1000));
  if (message.type === 'error') {
    response.status = 'failed';
    response.error = streamError(message.error);
    return response;
  }
  const stop: string | undefined = typeof message.stop_reason === 'string' ? message.stop_reason : Array.isArray(message.content) ? 'end_turn' : undefined;
  const state = terminalState(stop);
  const status = itemStatusFor(stop);

  const output: JsonObject[] = [];
  for (const block of Array.isArray(message.content) ? message.content : []) {
    if (!block || typeof block !== 'object') continue;
    if (block.type === 'thinking' && typeof block.signature === 'string') {
      output.push(reasoningItem(newId('rs'), { type: 'thinking', thinking: typeof block.thinking === 'string' ? block.thinking : '', signature: block.signature }, ctx));
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      output.push(reasoningItem(newId('rs'), { type: 'redacted_thinking', data: block.data }, ctx));
    } else if (block.type === 'text' && typeof block.text === 'string' && block.text !== '') {
      output.push(messageItem(newId('msg'), block.text, 'completed'));
    } else if (block.type === 'tool_use' && typeof block.name === 'string' && block.name !== '') {
      const target = index.target(block.name);
      const args = argumentsText(block.input);
      const callId = typeof block.id === 'string' && block.id !== '' ? block.id : newId('call');
      output.push(callItem(newId(target.custom ? 'ctc' : 'fc'), callId, target, target.custom ? unwrapCustomInput(args) : args, 'completed'));
    }
    // server_tool_use and server tool results: this plugin declares no server tools.
  }
  return settleResponse(response, output, status, state, mapUsage(message.usage));
}
