import type { Exchange } from './exchange.ts';
import type { RouteEnv, ScriptedTurn } from './route-env.ts';
import type { MockUsage } from './types.ts';
import { deliverJson, deliverStream } from './deliver.ts';
import { sendJson } from './http-io.ts';
import { applyPromptCache, countPromptTokens, promptBlocks, type CacheUsage, type PromptCache } from './messages-cache.ts';
import { sendAnthropicError } from './messages-http.ts';
import { minCacheableTokens, parseModel } from './messages-models.ts';
import { messageJson, messagesStream, type MessagesRenderContext, type MessagesUsage } from './messages-render.ts';
import { thinkingMode, thinkingOmitted, validateMessagesRequest } from './messages-validate.ts';
import { contentText, defaultAnswer } from './text.ts';
import { resolveTurn } from './turn.ts';
import { countTokens } from './usage.ts';

// POST /v1/messages and /v1/messages/count_tokens: the Anthropic Messages API, with its request
// checks (messages-validate.ts), its thinking signatures (messages-signature.ts) and its prompt
// cache (messages-cache.ts).

/** What Claude "thinks" when a script does not say and the request turned thinking on. */
const DEFAULT_REASONING = 'Considering the request.';

export interface MessagesEnv extends RouteEnv {
  requestId: string;
  betas: readonly string[];
  cache: PromptCache;
  /** Cache entries are per API key, as Anthropic's are per organisation. */
  cacheScope: string;
  cacheMinTokens: number | undefined;
}

export async function handleMessages(ex: Exchange, body: Record<string, any>, env: MessagesEnv, scripted: ScriptedTurn): Promise<void> {
  const problem = validateMessagesRequest(body, { countTokens: false, betas: env.betas });
  if (problem) return sendAnthropicError(ex.res, 400, 'invalid_request_error', problem, env.requestId);

  const thinking = thinkingMode(body) !== 'disabled';
  const turn = resolveTurn(scripted.turn, {
    answer: defaultAnswer(lastUserText(body.messages)),
    reasoning: thinking ? DEFAULT_REASONING : '',
    callId: () => env.ids.next('toolu_'),
  });
  // Claude returns thinking only when the request asks for it, whatever the script says.
  if (!thinking) turn.reasoning = '';

  const cached = applyPromptCache(promptBlocks(body), env.cache, env.cacheScope, env.cacheMinTokens ?? minCacheableTokens(parseModel(body.model)));
  const override = scripted.turn?.usage ?? {};
  const ctx: MessagesRenderContext = {
    id: env.ids.next('msg_'),
    model: body.model,
    pieces: env.pieces,
    omitted: thinkingOmitted(body),
    redacted: scripted.turn?.redactedThinking === true,
    usage: { ...reportedInput(cached, override), output: countTokens(0, turn, override).completion },
  };
  const headers = { 'request-id': env.requestId };
  if (body.stream === true) return deliverStream(ex, messagesStream(turn, ctx), env.delayMs, scripted.fault, headers);
  if (turn.finishReason === 'insufficient_system_resource') return sendAnthropicError(ex.res, 529, 'overloaded_error', 'Overloaded', env.requestId);
  return deliverJson(ex, messageJson(turn, ctx), scripted.fault, headers);
}

export function handleCountTokens(ex: Exchange, body: Record<string, any>, env: MessagesEnv): void {
  const problem = validateMessagesRequest(body, { countTokens: true, betas: env.betas });
  if (problem) return sendAnthropicError(ex.res, 400, 'invalid_request_error', problem, env.requestId);
  sendJson(ex.res, 200, { input_tokens: countPromptTokens(body) }, { 'request-id': env.requestId });
}

/** The cache's split of the prompt, unless the script says otherwise (its numbers win, clamped to add up). */
function reportedInput(cached: CacheUsage, override: MockUsage): Omit<MessagesUsage, 'output'> {
  const total = Math.max(0, override.prompt_tokens ?? cached.total);
  const cacheRead = Math.min(total, override.prompt_cache_hit_tokens ?? cached.read);
  const scriptedCreation = override.cache_creation_tokens;
  const cacheCreation = Math.min(total - cacheRead, scriptedCreation ?? cached.creation);
  const creation1h = scriptedCreation === undefined ? Math.min(cached.creation1h, cacheCreation) : 0;
  return { input: total - cacheRead - cacheCreation, cacheRead, cacheCreation, creation5m: cacheCreation - creation1h, creation1h };
}

/** The last user text: a message of tool results only is not something the user wrote. */
function lastUserText(messages: Array<Record<string, any>>): string {
  for (const m of messages.toReversed()) {
    const text = m.role === 'user' ? contentText(m.content) : '';
    if (text !== '') return text;
  }
  return '';
}
