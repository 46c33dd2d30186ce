import { createHmac } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { chatCompletion, chatCompletionStream, type ChatRenderContext } from './chat-render.ts';
import { checkToolOrder, thinkingEnabled, validateChatRequest } from './deepseek-validate.ts';
import { MOCK_CREATED } from './ids.ts';
import { isObject, sendError, sendJson } from './http-io.ts';
import { DONE_FRAME, sseData, type StreamPlan } from './sse.ts';
import { splitPieces } from './text.ts';
import { toolCallFragments } from './tool-fragments.ts';
import type { ResolvedTurn } from './turn.ts';
import type { ChatFamily } from './types.ts';
import type { TokenCounts } from './usage.ts';

// The ways Chat Completions providers return reasoning and want it back, one emulated provider
// each, with the checks the real ones make on what comes back (docs/providers.md cites them):
//
// - deepseek: `reasoning_content`, required back on tool-calling turns in thinking mode.
// - reasoning-details (OpenRouter): `reasoning` + `reasoning_details` blocks whose signature must
//   come back as issued; a tool-calling turn in progress without them is refused, as Anthropic
//   models behind OpenRouter refuse it.
// - think-tags (Ollama and raw local servers): `<think>…</think>` inside the content; nothing is
//   required back, tool call arguments must be JSON, efforts are Ollama's.
// - thought-signatures (Gemini's OpenAI endpoint): no reasoning text; the first function call of
//   each step carries `extra_content.google.thought_signature`, required back in the current turn.

export interface Family {
  /** The 400 message (or null): what the provider refuses. */
  validate(body: Record<string, any>, efforts: readonly string[]): string | null;
  /** Sends a refusal in the provider's error shape. */
  refuse(res: ServerResponse, message: string): void;
  thinking(body: Record<string, any>): boolean;
  json(turn: ResolvedTurn, ctx: ChatRenderContext): unknown;
  stream(turn: ResolvedTurn, ctx: ChatRenderContext): StreamPlan;
  /** GET /models. */
  models: string[];
  owner: string;
}

// Signatures are HMACs under a fixed key: deterministic, the same across emulator instances, and
// impossible to produce without the emulator — so a gateway can only hand back what it was given.
const SIGNING_KEY = 'aurora emulated provider signatures';
const sign = (kind: string, text: string) => createHmac('sha256', SIGNING_KEY).update(`${kind}\0${text}`).digest('base64');

/** Gemini documents this value for histories it did not produce (https://ai.google.dev/gemini-api/docs/thought-signatures). */
export const SKIP_SIGNATURE = 'skip_thought_signature_validator';

const OPENAI_ROLES = ['system', 'developer', 'user', 'assistant', 'tool'];

/** What every OpenAI-compatible server checks: messages, roles, tool calls answered in order. */
function checkOpenAIMessages(body: Record<string, any>): string | null {
  if (typeof body.model !== 'string' || body.model === '') return 'model is required';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages must be a non-empty array';
  for (const [i, m] of body.messages.entries()) {
    if (!isObject(m) || !OPENAI_ROLES.includes(m.role)) return `messages[${i}].role must be one of ${OPENAI_ROLES.join(', ')}`;
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return `messages[${i}].tool_call_id is required`;
    if (m.role === 'assistant' && m.tool_calls !== undefined) {
      if (!Array.isArray(m.tool_calls)) return `messages[${i}].tool_calls must be an array`;
      for (const [j, c] of m.tool_calls.entries()) {
        if (!isObject(c) || typeof c.id !== 'string' || c.type !== 'function' || typeof c.function?.name !== 'string' || typeof c.function?.arguments !== 'string') {
          return `messages[${i}].tool_calls[${j}] must be {id, type: "function", function: {name, arguments}}`;
        }
      }
    }
  }
  return checkToolOrder(body.messages);
}

/** Messages after the last user message: the turn in progress (tool results are not user turns). */
function currentTurn(messages: Record<string, any>[]): Array<[number, Record<string, any>]> {
  const last = messages.findLastIndex((m) => m.role === 'user');
  return messages.map((m, i) => [i, m] as [number, Record<string, any>]).slice(last + 1);
}

function openaiUsage(t: TokenCounts) {
  return {
    prompt_tokens: t.prompt,
    completion_tokens: t.completion,
    total_tokens: t.prompt + t.completion,
    prompt_tokens_details: { cached_tokens: t.cacheHit },
    completion_tokens_details: { reasoning_tokens: t.reasoning },
  };
}

function toolCalls(turn: ResolvedTurn, extra?: (i: number) => Record<string, unknown> | undefined) {
  return turn.toolCalls.map((c, i) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments }, ...extra?.(i) }));
}

function completion(ctx: ChatRenderContext, message: Record<string, unknown>, finish: string, usage: unknown, extra: Record<string, unknown> = {}) {
  return { id: ctx.id, object: 'chat.completion', created: MOCK_CREATED, model: ctx.model, ...extra, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage };
}

// ---------------------------------------------------------------------------------------------

const deepseek: Family = {
  validate: validateChatRequest,
  refuse: (res, message) => sendError(res, 400, message),
  thinking: thinkingEnabled,
  json: chatCompletion,
  stream: chatCompletionStream,
  models: [],
  owner: 'deepseek',
};

// ---------------------------------------------------------------------------------------------
// reasoning-details: https://openrouter.ai/docs/guides/best-practices/reasoning-tokens

const DETAIL_FORMAT = 'anthropic-claude-v1';
const OPENROUTER_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];
export const THINKING_BLOCK_MISSING =
  'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). To avoid this requirement, disable `thinking`.';
export const INVALID_THINKING_SIGNATURE = 'Invalid `signature` in `thinking` block';

const reasoningDetails: Family = {
  validate(body) {
    const base = checkOpenAIMessages(body);
    if (base) return base;
    const effort = body.reasoning?.effort;
    if (effort !== undefined && !OPENROUTER_EFFORTS.includes(effort)) return `reasoning.effort must be one of ${OPENROUTER_EFFORTS.join(', ')}`;
    for (const m of body.messages as Record<string, any>[]) {
      if (m.role !== 'assistant' || m.reasoning_details === undefined) continue;
      if (!Array.isArray(m.reasoning_details)) return 'reasoning_details must be an array';
      for (const d of m.reasoning_details) {
        if (d?.type === 'reasoning.text' && (typeof d.text !== 'string' || d.signature !== sign('thinking', d.text))) return INVALID_THINKING_SIGNATURE;
      }
    }
    if (this.thinking(body)) {
      for (const [, m] of currentTurn(body.messages)) {
        const signed = Array.isArray(m.reasoning_details) && m.reasoning_details.some((d: any) => d?.type === 'reasoning.text');
        if (m.role === 'assistant' && Array.isArray(m.tool_calls) && m.tool_calls.length > 0 && !signed) return THINKING_BLOCK_MISSING;
      }
    }
    return null;
  },
  refuse: (res, message) => sendError(res, 400, message, 'invalid_request_error', '400'),
  thinking: (body) => !(body.reasoning?.effort === 'none' || body.reasoning?.enabled === false),
  json(turn, ctx) {
    const message: Record<string, unknown> = { role: 'assistant', content: turn.content ?? '', refusal: null, reasoning: turn.reasoning || null };
    if (turn.reasoning) message.reasoning_details = [{ type: 'reasoning.text', text: turn.reasoning, signature: sign('thinking', turn.reasoning), format: DETAIL_FORMAT, index: 0 }];
    if (turn.toolCalls.length > 0) message.tool_calls = toolCalls(turn);
    return completion(ctx, message, turn.finishReason, { ...openaiUsage(ctx.tokens), cost: 0 }, { provider: 'Anthropic' });
  },
  stream(turn, ctx) {
    const head = { id: ctx.id, provider: 'Anthropic', model: ctx.model, object: 'chat.completion.chunk', created: MOCK_CREATED };
    const chunk = (delta: object, finish: string | null = null) => sseData({ ...head, choices: [{ index: 0, delta, finish_reason: finish, native_finish_reason: finish, logprobs: null }] });
    const events = [chunk({ role: 'assistant', content: '' })];
    if (turn.reasoning) {
      for (const piece of splitPieces(turn.reasoning, ctx.pieces)) {
        events.push(chunk({ role: 'assistant', content: '', reasoning: piece, reasoning_details: [{ type: 'reasoning.text', text: piece, format: DETAIL_FORMAT, index: 0 }] }));
      }
      // The signature closes the block, as Anthropic's signature_delta does.
      events.push(chunk({ role: 'assistant', content: '', reasoning: '', reasoning_details: [{ type: 'reasoning.text', signature: sign('thinking', turn.reasoning), format: DETAIL_FORMAT, index: 0 }] }));
    }
    for (const piece of splitPieces(turn.content ?? '', ctx.pieces)) events.push(chunk({ role: 'assistant', content: piece }));
    for (const fragment of toolCallFragments(turn.toolCalls, ctx.pieces)) events.push(chunk({ role: 'assistant', content: null, tool_calls: [fragment] }));
    events.push(chunk({ role: 'assistant', content: '' }, turn.finishReason));
    events.push(sseData({ ...head, choices: [], usage: { ...openaiUsage(ctx.tokens), cost: 0 } }));
    events.push(DONE_FRAME);
    return { preamble: ': OPENROUTER PROCESSING\n\n', events };
  },
  models: ['anthropic/claude-sonnet-4.5', 'openai/gpt-5.5', 'deepseek/deepseek-v4-pro'],
  owner: 'openrouter',
};

// ---------------------------------------------------------------------------------------------
// think-tags: Ollama's OpenAI layer (github.com/ollama/ollama openai/openai.go) for a model
// without a thinking parser: the reasoning stays in the content.

const OLLAMA_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'ultra', 'max'];

const withThink = (turn: ResolvedTurn) => (turn.reasoning ? `<think>\n${turn.reasoning}\n</think>\n\n${turn.content ?? ''}` : (turn.content ?? ''));

const thinkTags: Family = {
  validate(body) {
    const base = checkOpenAIMessages(body);
    if (base) return base;
    const effort = body.reasoning_effort ?? body.reasoning?.effort;
    if (effort !== undefined && !OLLAMA_EFFORTS.includes(effort)) return `invalid reasoning value: "${effort}" (must be "minimal", "low", "medium", "high", "xhigh", "ultra", "max", or "none")`;
    for (const m of body.messages as Record<string, any>[]) {
      for (const call of m.tool_calls ?? []) {
        try {
          const args: unknown = JSON.parse(call.function.arguments);
          if (!isObject(args)) return 'invalid tool call arguments';
        } catch {
          return 'invalid tool call arguments';
        }
      }
    }
    return null;
  },
  refuse: (res, message) => sendError(res, 400, message, 'invalid_request_error', null),
  thinking: (body) => (body.reasoning_effort ?? body.reasoning?.effort) !== 'none',
  json(turn, ctx) {
    const message: Record<string, unknown> = { role: 'assistant', content: withThink(turn) };
    if (turn.toolCalls.length > 0) message.tool_calls = toolCalls(turn);
    return completion(ctx, message, turn.finishReason, openaiUsage(ctx.tokens), { system_fingerprint: 'fp_ollama' });
  },
  stream(turn, ctx) {
    const head = { id: ctx.id, object: 'chat.completion.chunk', created: MOCK_CREATED, model: ctx.model, system_fingerprint: 'fp_ollama' };
    const chunk = (delta: object, finish: string | null = null) => sseData({ ...head, choices: [{ index: 0, delta, finish_reason: finish }] });
    // Small pieces, so tags arrive cut across chunks ("<thi", "nk>…") as they do from a tokenizer.
    const events = splitPieces(withThink(turn), Math.max(ctx.pieces, Math.ceil(withThink(turn).length / 5))).map((piece, i) => chunk(i === 0 ? { role: 'assistant', content: piece } : { content: piece }));
    // Ollama sends each tool call whole, in one chunk.
    if (turn.toolCalls.length > 0) events.push(chunk({ tool_calls: turn.toolCalls.map((c, index) => ({ id: c.id, index, type: 'function', function: { name: c.name, arguments: c.arguments } })) }));
    events.push(chunk({}, turn.finishReason));
    if (ctx.includeUsage) events.push(sseData({ ...head, choices: [], usage: openaiUsage(ctx.tokens) }));
    events.push(DONE_FRAME);
    return { preamble: '', events };
  },
  models: ['qwen3:8b', 'gpt-oss:20b'],
  owner: 'library',
};

// ---------------------------------------------------------------------------------------------
// thought-signatures: https://ai.google.dev/gemini-api/docs/openai and /thought-signatures

const GEMINI_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high'];
export const SIGNATURE_MISSING = (name: string, position: number) =>
  `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${name}\` , position ${position}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
export const SIGNATURE_INVALID = 'Thought signature is not valid.';

const callSignature = (call: { name: string; arguments: string }) => sign('thought', `${call.name}\0${call.arguments}`);

const thoughtSignatures: Family = {
  validate(body) {
    const base = checkOpenAIMessages(body);
    if (base) return base;
    if (body.reasoning_effort !== undefined && !GEMINI_EFFORTS.includes(body.reasoning_effort)) return `Invalid reasoning_effort: ${body.reasoning_effort}; use one of ${GEMINI_EFFORTS.join(', ')}`;
    for (const [i, m] of body.messages.entries() as Iterable<[number, Record<string, any>]>) {
      for (const call of m.tool_calls ?? []) {
        const sig = call.extra_content?.google?.thought_signature;
        if (sig !== undefined && sig !== SKIP_SIGNATURE && sig !== callSignature(call.function)) return `${SIGNATURE_INVALID} (messages[${i}])`;
      }
    }
    // Strict on the current turn: each step's first call must carry its signature.
    for (const [i, m] of currentTurn(body.messages)) {
      const first = m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls[0] : undefined;
      if (first && first.extra_content?.google?.thought_signature === undefined) return SIGNATURE_MISSING(first.function.name, i + 1);
    }
    return null;
  },
  // Gemini's OpenAI endpoint answers errors as an array of Google error objects.
  refuse: (res, message) => sendJson(res, 400, [{ error: { code: 400, message, status: 'INVALID_ARGUMENT' } }]),
  thinking: (body) => body.reasoning_effort !== 'none',
  json(turn, ctx) {
    const message: Record<string, unknown> = { role: 'assistant', content: turn.content };
    if (turn.toolCalls.length > 0) message.tool_calls = toolCalls(turn, (i) => (i === 0 ? { extra_content: { google: { thought_signature: callSignature(turn.toolCalls[0]!) } } } : undefined));
    return completion(ctx, message, turn.finishReason, openaiUsage(ctx.tokens));
  },
  stream(turn, ctx) {
    const head = { id: ctx.id, object: 'chat.completion.chunk', created: MOCK_CREATED, model: ctx.model };
    const chunk = (delta: object, finish: string | null = null, usage?: unknown) => sseData({ ...head, choices: [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) });
    const events = splitPieces(turn.content ?? '', ctx.pieces).filter(Boolean).map((piece) => chunk({ role: 'assistant', content: piece }));
    // Calls come whole; the signature rides on the first.
    if (turn.toolCalls.length > 0) {
      events.push(chunk({ role: 'assistant', tool_calls: turn.toolCalls.map((c, index) => ({ id: c.id, index, type: 'function', function: { name: c.name, arguments: c.arguments }, ...(index === 0 ? { extra_content: { google: { thought_signature: callSignature(c) } } } : {}) })) }));
    }
    events.push(chunk({ role: 'assistant' }, turn.finishReason, openaiUsage(ctx.tokens)));
    events.push(DONE_FRAME);
    return { preamble: '', events };
  },
  models: ['models/gemini-3-pro-preview', 'models/gemini-2.5-flash'],
  owner: 'google',
};

export const FAMILIES: Record<ChatFamily, Family> = { deepseek, 'reasoning-details': reasoningDetails, 'think-tags': thinkTags, 'thought-signatures': thoughtSignatures };
