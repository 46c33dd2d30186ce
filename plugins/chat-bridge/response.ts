/**
 * Response direction (non-streaming): a provider's chat.completion → an OpenAI Responses object.
 * translation.md §2. Also home of the Chat-specific pieces the stream translator shares (reasoning
 * items, usage and finish_reason mapping); the item shapes any dialect builds are in items.ts.
 */
import type { JsonObject } from 'aurora';
import { type EchoSource, type ItemStatus, type TerminalState, callItem, messageItem, newId, responseSkeleton, settleResponse } from './items.ts';
import { type ChatProfile, DEFAULT_PROFILE, readPath } from './profile.ts';
import { consolidateDetails, detailsText, splitThinkTags } from './reasoning.ts';
import type { ReasoningCarrier, ReasoningState } from './state.ts';
import { unwrapCustomInput } from './freeform.ts';
import { type ToolIndex, buildToolIndex } from './tools.ts';

/** `request`: the client's Responses body (tool kinds, echoed fields); `model`: the name it asked for (echoed). */
export interface ResponsesContext extends EchoSource {
  carrier: ReasoningCarrier;
  /** How the provider answers. */
  profile: ChatProfile;
  /** The request's tool index, when the caller built it already. */
  tools?: ToolIndex;
}

// ---------------------------------------------------------------------------------------------
// Output items

/**
 * The reasoning item. The text goes three ways: `summary` (what Codex shows; it replays summaries
 * but we ignore them), `content` as `reasoning_text` (raw chain of thought, for other clients), and
 * sealed in `encrypted_content` — the only part Codex sends back, so the next request can give
 * the provider its reasoning back (state.ts).
 */
export function reasoningItem(id: string, text: string, ctx: ResponsesContext): JsonObject {
  return {
    id,
    type: 'reasoning',
    summary: text === '' ? [] : [{ type: 'summary_text', text }],
    content: [{ type: 'reasoning_text', text }],
    encrypted_content: ctx.carrier.seal(text, { model: ctx.model }),
  };
}

/**
 * The reasoning state known only once the answer ended (OpenRouter's consolidated
 * `reasoning_details`, Gemini's thought signatures), as a reasoning item after the turn's message
 * and calls: Codex keeps it in place and sends it back, and the request side gives its state to the
 * turn before it.
 */
export function stateItem(id: string, state: Omit<ReasoningState, 'tail' | 'text'>, ctx: ResponsesContext): JsonObject {
  return { id, type: 'reasoning', summary: [], encrypted_content: ctx.carrier.sealState({ text: '', ...state, tail: true }, { model: ctx.model }) };
}

/** Whether an answer left state for a tail item. */
export function hasState(details: JsonObject[] | undefined, signatures: Record<string, string> | undefined): boolean {
  return Boolean(details?.length) || Boolean(signatures && Object.keys(signatures).length > 0);
}

// ---------------------------------------------------------------------------------------------
// Usage (§2.2): both details objects always present, or Codex cannot parse the usage.

export function mapUsage(usage: unknown, paths: ChatProfile['usage'] = DEFAULT_PROFILE.usage): JsonObject | null {
  if (!usage || typeof usage !== 'object') return null;
  const u = usage as JsonObject;
  const input = int(u.prompt_tokens);
  const output = int(u.completion_tokens);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: int(firstNumber(u, paths.cached)) },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: int(firstNumber(u, paths.reasoning)) },
    total_tokens: typeof u.total_tokens === 'number' ? int(u.total_tokens) : input + output,
  };
}

function firstNumber(usage: JsonObject, paths: string[]): unknown {
  for (const path of paths) {
    const value = path.includes('.') ? readPath(usage, path) : usage[path];
    if (typeof value === 'number') return value;
  }
  return undefined;
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : 0;
}

// ---------------------------------------------------------------------------------------------
// finish_reason → terminal state (§2.1)

export const STREAM_ENDED_EARLY = 'upstream stream ended before finish_reason';

export function terminalState(finish: string | null | undefined): TerminalState {
  switch (finish) {
    case 'length':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, error: null };
    case 'content_filter':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null };
    case 'error':
      // OpenRouter's finish_reason when the provider behind it failed mid-answer.
      return { status: 'failed', incomplete_details: null, error: { code: 'server_error', message: 'the upstream failed while answering (finish_reason error); retry' } };
    case 'insufficient_system_resource':
      // DeepSeek cut the generation short for lack of capacity: a retryable failure, not a success.
      return { status: 'failed', incomplete_details: null, error: { code: 'server_error', message: 'upstream ran out of resources (DeepSeek finish_reason insufficient_system_resource); retry' } };
    case null:
    case undefined:
      return { status: 'failed', incomplete_details: null, error: { code: 'server_error', message: STREAM_ENDED_EARLY } };
    default: // stop, tool_calls, anything new
      return { status: 'completed', incomplete_details: null, error: null };
  }
}

/** Status of the items a finish_reason closes: cut-off items are `incomplete`. */
export function itemStatusFor(finish: string): ItemStatus {
  return terminalState(finish).status === 'completed' ? 'completed' : 'incomplete';
}

// ---------------------------------------------------------------------------------------------

export function toResponsesResponse(chat: JsonObject, ctx: ResponsesContext): JsonObject {
  const { profile } = ctx;
  const index = ctx.tools ?? buildToolIndex(ctx.request.tools, profile.tools.maxNameLength);
  const created = typeof chat.created === 'number' ? chat.created : Math.floor(Date.now() / 1000);
  const response = responseSkeleton(ctx, newId('resp'), created);
  const choice: JsonObject | undefined = Array.isArray(chat.choices) ? chat.choices[0] : undefined;
  const message: JsonObject = choice?.message ?? {};
  // A complete body without finish_reason still holds a whole answer; only a missing choice fails.
  const finish: string | undefined = choice ? (typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop') : undefined;
  const state = terminalState(finish);
  const status = finish ? itemStatusFor(finish) : 'incomplete';

  const { reasoning, text } = messageParts(message, profile);
  const details = profile.reasoningDetails && Array.isArray(message.reasoning_details) ? consolidateDetails(message.reasoning_details) : undefined;
  const signatures: Record<string, string> = {};
  const output: JsonObject[] = [];
  const shown = reasoning || (details ? detailsText(details) : '');
  if (shown !== '') output.push(reasoningItem(newId('rs'), shown, ctx));
  if (text !== '') output.push(messageItem(newId('msg'), text, 'completed'));
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      const fn = call?.function;
      if (!fn || typeof fn.name !== 'string' || fn.name === '') continue; // a nameless call cannot be run or replayed
      const target = index.target(fn.name);
      const args = typeof fn.arguments === 'string' ? fn.arguments : '';
      const callId = typeof call.id === 'string' && call.id !== '' ? call.id : newId('call');
      const signature = call.extra_content?.google?.thought_signature;
      if (profile.thoughtSignatures && typeof signature === 'string') signatures[callId] = signature;
      output.push(callItem(newId(target.custom ? 'ctc' : 'fc'), callId, target, target.custom ? unwrapCustomInput(args) : args, 'completed'));
    }
  }
  const settled = choice ? state : { ...state, error: { code: 'server_error', message: 'upstream response has no choices' } };
  settleResponse(response, output, status, settled, mapUsage(chat.usage, profile.usage));
  // Added once settled: as the last item, this reasoning item would hide the cut-off one.
  if (hasState(details, signatures)) output.push(stateItem(newId('rs'), { details, signatures }, ctx));
  return response;
}

/** A whole message's reasoning and answer text, wherever the profile says the reasoning is. */
function messageParts(message: JsonObject, profile: ChatProfile): { reasoning: string; text: string } {
  let reasoning = '';
  for (const field of profile.reasoningFields) {
    if (typeof message[field] === 'string' && message[field] !== '') {
      reasoning = message[field];
      break;
    }
  }
  let text = '';
  const content = message.content;
  if (typeof content === 'string') {
    if (profile.thinkTags) {
      const split = splitThinkTags(content);
      reasoning += split.reasoning;
      text = split.text;
    } else text = content;
  } else if (Array.isArray(content)) {
    for (const part of content) {
      if (part?.type === 'text' && typeof part.text === 'string') text += part.text;
      else if (part?.type === 'thinking' && profile.thinkingChunks) reasoning += thinkingText(part);
    }
  }
  return { reasoning, text };
}

/** The text of a Mistral `thinking` content part (`thinking: [{type:"text", text}]`). */
export function thinkingText(part: JsonObject): string {
  if (typeof part.thinking === 'string') return part.thinking;
  if (!Array.isArray(part.thinking)) return '';
  return part.thinking.map((t: JsonObject) => (typeof t?.text === 'string' ? t.text : '')).join('');
}
