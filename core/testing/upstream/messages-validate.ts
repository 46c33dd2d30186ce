import { isObject } from './http-io.ts';
import { acceptsSystemMessages, droppedSamplingAndBudget, parseModel } from './messages-models.ts';
import { verifyRedacted, verifyThinking } from './messages-signature.ts';

// The request checks of Anthropic's POST /v1/messages (and count_tokens), with the messages the real
// API sends, so a gateway that builds a request Anthropic refuses gets the same 400 here. Each
// check returns the message, or null when the request passes it. Field errors follow the API's
// pydantic wording (`path: Input should be …`, `Field required`, `Extra inputs are not permitted`),
// with the discriminating `type` in the path as the API writes it (`tools.0.custom.name`,
// `messages.1.content.0.tool_use.id`). Where the README marks a message [unverified], the rule is
// documented but its exact text was not found; status and error type are right either way.

export interface ValidateOptions {
  /** count_tokens: no max_tokens, nothing generated. */
  countTokens: boolean;
  /** Values of the `anthropic-beta` header. */
  betas: readonly string[];
}

export type ThinkingMode = 'enabled' | 'adaptive' | 'disabled';

export const INTERLEAVED_THINKING_BETA = 'interleaved-thinking-2025-05-14';
const DOCS_THINKING = 'https://docs.claude.com/en/docs/build-with-claude/extended-thinking';
const CONSIDERATIONS = `${DOCS_THINKING}#important-considerations-when-using-extended-thinking`;

// Documented request parameters (https://platform.claude.com/docs/en/api/messages); anything else
// is refused, as the API refuses an unknown field. Beta parameters are accepted without their header.
const TOP_LEVEL = new Set([
  'model', 'messages', 'max_tokens', 'system', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management', 'output_config',
  'output_format', 'cache_control', 'inference_geo', 'speed',
]);

const USER_BLOCKS = ['text', 'image', 'document', 'search_result', 'tool_result', 'container_upload'];
const ASSISTANT_BLOCKS = [
  'text', 'thinking', 'redacted_thinking', 'tool_use', 'server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result',
  'code_execution_tool_result', 'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result',
  'tool_search_tool_result', 'mcp_tool_use', 'mcp_tool_result', 'container_upload',
];
const TOOL_RESULT_BLOCKS = ['text', 'image', 'document', 'search_result', 'tool_reference'];
const SERVER_TOOL = /^(?:(?:web_search|web_fetch|bash|text_editor|code_execution|computer|memory|tool_search_tool_regex|tool_search_tool_bm25)_\d{8}|mcp_toolset)$/;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;
const TOOL_USE_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;
const MAX_BREAKPOINTS = 4;

const tags = (list: readonly string[]) => list.map((t) => `'${t}'`).join(', ');
const badTag = (at: string, tag: unknown, expected: readonly string[]) =>
  `${at}: Input tag '${String(tag)}' found using 'type' does not match any of the expected tags: ${tags(expected)}`;

export function thinkingMode(body: Record<string, any>): ThinkingMode {
  const type = isObject(body.thinking) ? body.thinking.type : undefined;
  return type === 'enabled' || type === 'adaptive' ? type : 'disabled';
}

/** Whether the answer shows thinking text (`display: "omitted"` and `"updates"` keep reasoning empty). */
export function thinkingOmitted(body: Record<string, any>): boolean {
  return isObject(body.thinking) && (body.thinking.display === 'omitted' || body.thinking.display === 'updates');
}

export function validateMessagesRequest(body: Record<string, any>, given: Partial<ValidateOptions> = {}): string | null {
  const options: ValidateOptions = { countTokens: given.countTokens ?? false, betas: given.betas ?? [] };
  return (
    checkTopLevel(body, options) ??
    checkMessageShapes(body) ??
    checkSystem(body.system) ??
    checkTools(body.tools) ??
    checkToolChoice(body) ??
    checkThinking(body, options) ??
    checkBreakpoints(body) ??
    checkSampling(body) ??
    checkSystemMessages(body) ??
    checkToolPairs(body.messages) ??
    checkReplayedThinking(body.messages) ??
    checkThinkingTurn(body)
  );
}

function checkTopLevel(body: Record<string, any>, options: ValidateOptions): string | null {
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `${key}: Extra inputs are not permitted`;
  if (!('model' in body)) return 'model: Field required';
  if (typeof body.model !== 'string') return 'model: Input should be a valid string';
  if (!options.countTokens) {
    if (!('max_tokens' in body)) return 'max_tokens: Field required';
    if (!Number.isInteger(body.max_tokens)) return 'max_tokens: Input should be a valid integer';
    if (body.max_tokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return 'stream: Input should be a valid boolean';
  if (body.metadata !== undefined) {
    if (!isObject(body.metadata)) return 'metadata: Input should be a valid dictionary';
    for (const key of Object.keys(body.metadata)) if (key !== 'user_id') return `metadata.${key}: Extra inputs are not permitted`;
    // Claude Code sends user_id as a JSON *string*; a gateway that parses it into an object is refused.
    if (body.metadata.user_id !== undefined && body.metadata.user_id !== null && typeof body.metadata.user_id !== 'string') {
      return 'metadata.user_id: Input should be a valid string';
    }
  }
  if (!('messages' in body)) return 'messages: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Input should be a valid list';
  if (body.messages.length === 0) return 'messages: at least one message is required';
  return null;
}

function checkMessageShapes(body: Record<string, any>): string | null {
  const messages: unknown[] = body.messages;
  for (const [i, m] of messages.entries()) {
    const at = `messages.${i}`;
    if (!isObject(m)) return `${at}: Input should be a valid dictionary`;
    if (!('role' in m)) return `${at}.role: Field required`;
    if (m.role !== 'user' && m.role !== 'assistant' && m.role !== 'system') return `${at}.role: Input should be 'user' or 'assistant'`;
    if (!('content' in m)) return `${at}.content: Field required`;
    if (typeof m.content !== 'string' && !Array.isArray(m.content)) return `${at}.content: Input should be a valid list`;
    const finalAssistant = i === messages.length - 1 && m.role === 'assistant';
    if (m.content.length === 0 && !finalAssistant) return 'messages: all messages must have non-empty content except for the optional final assistant message';
    if (typeof m.content === 'string') continue;
    const allowed = m.role === 'user' ? USER_BLOCKS : m.role === 'assistant' ? ASSISTANT_BLOCKS : ['text'];
    for (const [j, block] of (m.content as unknown[]).entries()) {
      const problem = checkBlock(block, `${at}.content.${j}`, allowed);
      if (problem) return problem;
    }
  }
  return null;
}

function checkBlock(block: unknown, at: string, allowed: readonly string[]): string | null {
  if (!isObject(block)) return `${at}: Input should be a valid dictionary`;
  if (!allowed.includes(block.type)) return badTag(at, block.type, allowed);
  const field = (name: string) => `${at}.${block.type}.${name}`;
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') return `${field('text')}: Input should be a valid string`;
      if (block.text === '') return 'messages: text content blocks must be non-empty';
      break;
    case 'tool_use':
      if (typeof block.id !== 'string') return `${field('id')}: Field required`;
      if (!TOOL_ID.test(block.id)) return `${field('id')}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      if (typeof block.name !== 'string') return `${field('name')}: Field required`;
      if (!TOOL_USE_NAME.test(block.name)) return `${field('name')}: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`;
      if (!('input' in block)) return `${field('input')}: Field required`;
      if (!isObject(block.input)) return `${field('input')}: Input should be a valid dictionary`;
      break;
    case 'tool_result':
      if (typeof block.tool_use_id !== 'string') return `${field('tool_use_id')}: Field required`;
      if (!TOOL_ID.test(block.tool_use_id)) return `${field('tool_use_id')}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      if (block.content !== undefined && typeof block.content !== 'string') {
        if (!Array.isArray(block.content)) return `${field('content')}: Input should be a valid list`;
        for (const [k, inner] of block.content.entries()) {
          const problem = checkBlock(inner, `${field('content')}.${k}`, TOOL_RESULT_BLOCKS);
          if (problem) return problem;
        }
      }
      break;
    case 'thinking':
      if (typeof block.thinking !== 'string') return `${field('thinking')}: Field required`;
      if (typeof block.signature !== 'string') return `${field('signature')}: Field required`;
      break;
    case 'redacted_thinking':
      if (typeof block.data !== 'string') return `${field('data')}: Field required`;
      break;
  }
  return checkCacheControl(block.cache_control, `${at}.${block.type}.cache_control`);
}

function checkCacheControl(value: unknown, at: string): string | null {
  if (value === undefined || value === null) return null;
  if (!isObject(value)) return `${at}: Input should be a valid dictionary`;
  if (value.type !== 'ephemeral') return `${at}.type: Input should be 'ephemeral'`;
  if (value.ttl !== undefined && value.ttl !== '5m' && value.ttl !== '1h') return `${at}.ttl: Input should be '5m' or '1h'`;
  return null;
}

function checkSystem(system: unknown): string | null {
  if (system === undefined || typeof system === 'string') return null;
  if (!Array.isArray(system)) return 'system: Input should be a valid list';
  for (const [j, block] of system.entries()) {
    if (!isObject(block) || block.type !== 'text') return `system.${j}.type: Input should be 'text'`;
    if (typeof block.text !== 'string') return `system.${j}.text: Field required`;
    if (block.text === '') return 'system: text content blocks must be non-empty';
    const problem = checkCacheControl(block.cache_control, `system.${j}.cache_control`);
    if (problem) return problem;
  }
  return null;
}

function checkTools(tools: unknown): string | null {
  if (tools === undefined) return null;
  if (!Array.isArray(tools)) return 'tools: Input should be a valid list';
  const names = new Set<string>();
  for (const [i, tool] of tools.entries()) {
    if (!isObject(tool)) return `tools.${i}: Input should be a valid dictionary`;
    if (tool.type !== undefined && tool.type !== 'custom') {
      // An OpenAI-shaped {type:"function", function:{…}} ends here.
      if (!SERVER_TOOL.test(String(tool.type))) {
        return badTag(`tools.${i}`, tool.type, ['custom', 'bash_20250124', 'code_execution_20250825', 'memory_20250818', 'text_editor_20250728', 'web_fetch_20250910', 'web_search_20250305']);
      }
    } else {
      const at = `tools.${i}.custom`;
      if (typeof tool.name !== 'string') return `${at}.name: Field required`;
      if (tool.name.length > 128) return `${at}.name: String should have at most 128 characters`;
      if (!TOOL_NAME.test(tool.name)) return `${at}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`;
      if (!('input_schema' in tool)) return `${at}.input_schema: Field required`;
      if (!isObject(tool.input_schema) || tool.input_schema.type !== 'object') return `${at}.input_schema.type: Input should be 'object'`;
    }
    const problem = checkCacheControl(tool.cache_control, `tools.${i}.cache_control`);
    if (problem) return problem;
    if (typeof tool.name === 'string') {
      if (names.has(tool.name)) return 'tools: Tool names must be unique.';
      names.add(tool.name);
    }
  }
  return null;
}

function checkToolChoice(body: Record<string, any>): string | null {
  const choice = body.tool_choice;
  if (choice === undefined) return null;
  if (!isObject(choice)) return 'tool_choice: Input should be a valid dictionary or object to extract fields from';
  if (!['auto', 'any', 'tool', 'none'].includes(choice.type)) return badTag('tool_choice', choice.type, ['auto', 'any', 'tool', 'none']);
  if (choice.type === 'tool') {
    if (typeof choice.name !== 'string') return 'tool_choice.tool.name: Field required';
    const declared = Array.isArray(body.tools) && body.tools.some((t: any) => isObject(t) && t.name === choice.name);
    if (!declared) return `Tool '${choice.name}' not found in provided tools`;
  }
  return null;
}

function checkThinking(body: Record<string, any>, options: ValidateOptions): string | null {
  const thinking = body.thinking;
  if (thinking === undefined) return null;
  if (!isObject(thinking)) return 'thinking: Input should be a valid dictionary or object to extract fields from';
  if (!['enabled', 'disabled', 'adaptive'].includes(thinking.type)) return badTag('thinking', thinking.type, ['adaptive', 'disabled', 'enabled']);
  if (thinking.type === 'disabled') return null;
  const at = `thinking.${thinking.type}`;
  if (thinking.display !== undefined && !['summarized', 'omitted', 'updates'].includes(thinking.display)) {
    return `${at}.display: Input should be 'summarized' or 'omitted'`;
  }
  if (thinking.type !== 'enabled') return null;
  if (droppedSamplingAndBudget(parseModel(body.model))) {
    return 'thinking.type.enabled is not supported for this model. Use thinking.type.adaptive and output_config.effort to control thinking behavior.';
  }
  if (!('budget_tokens' in thinking)) return `${at}.budget_tokens: Field required`;
  if (!Number.isInteger(thinking.budget_tokens)) return `${at}.budget_tokens: Input should be a valid integer`;
  if (thinking.budget_tokens < 1024) return `${at}.budget_tokens: Input should be greater than or equal to 1024`;
  // With interleaved thinking the budget spans the whole assistant turn and may exceed max_tokens.
  if (!options.countTokens && thinking.budget_tokens >= body.max_tokens && !options.betas.includes(INTERLEAVED_THINKING_BETA)) {
    return `\`max_tokens\` must be greater than \`thinking.budget_tokens\`. Please consult our documentation at ${DOCS_THINKING}#max-tokens-and-context-window-size`;
  }
  return null;
}

/** Every block that carries a cache_control, in the order the API reads the prompt. */
function countBreakpoints(body: Record<string, any>): number {
  const marked = (b: unknown) => (isObject(b) && b.cache_control !== undefined && b.cache_control !== null ? 1 : 0);
  let n = isObject(body.cache_control) ? 1 : 0;
  for (const tool of Array.isArray(body.tools) ? body.tools : []) n += marked(tool);
  for (const block of Array.isArray(body.system) ? body.system : []) n += marked(block);
  for (const m of body.messages as Array<Record<string, any>>) {
    if (!Array.isArray(m.content)) continue;
    for (const block of m.content) {
      n += marked(block);
      if (isObject(block) && Array.isArray(block.content)) for (const inner of block.content) n += marked(inner);
    }
  }
  return n;
}

function checkBreakpoints(body: Record<string, any>): string | null {
  const top = checkCacheControl(body.cache_control, 'cache_control');
  if (top) return top;
  const found = countBreakpoints(body);
  return found > MAX_BREAKPOINTS ? `A maximum of ${MAX_BREAKPOINTS} blocks with cache_control may be provided. Found ${found}.` : null;
}

function checkSampling(body: Record<string, any>): string | null {
  if (droppedSamplingAndBudget(parseModel(body.model))) {
    for (const p of ['temperature', 'top_p', 'top_k']) if (body[p] !== undefined) return `${p} is deprecated for this model.`;
  }
  if (thinkingMode(body) === 'disabled') return null;
  if (body.temperature !== undefined && body.temperature !== 1) {
    return `\`temperature\` may only be set to 1 when thinking is enabled. Please consult our documentation at ${CONSIDERATIONS}`;
  }
  if (body.top_k !== undefined) return `\`top_k\` must be unset when thinking is enabled. Please consult our documentation at ${CONSIDERATIONS}`;
  if (isObject(body.tool_choice) && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  return null;
}

/**
 * Mid-conversation system messages: one model generation on, placed right after a user turn (or
 * an assistant turn ending in server_tool_use), and last or followed by an assistant turn.
 */
function checkSystemMessages(body: Record<string, any>): string | null {
  const messages: Array<Record<string, any>> = body.messages;
  const supported = acceptsSystemMessages(parseModel(body.model));
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'system') continue;
    if (!supported) return `messages.${i}: role 'system' is not supported on this model`;
    const before = messages[i - 1];
    const after = messages[i + 1];
    const afterUser = before?.role === 'user' || (before?.role === 'assistant' && Array.isArray(before.content) && before.content.at(-1)?.type === 'server_tool_use');
    if (!afterUser || (after !== undefined && after.role !== 'assistant')) {
      return `messages.${i}: a \`system\` message must follow a \`user\` message and be the last message or be followed by an \`assistant\` message`;
    }
  }
  return null;
}

const blocksOf = (m: Record<string, any> | undefined): Array<Record<string, any>> => (m && Array.isArray(m.content) ? m.content : []);
const toolUseIds = (m: Record<string, any> | undefined) => blocksOf(m).filter((b) => b.type === 'tool_use').map((b) => b.id as string);

/**
 * A tool_result answers a tool_use of the message right before it; every tool_use is answered by
 * tool_result blocks at the *start* of the next message (text first, then results, is refused).
 */
function checkToolPairs(messages: Array<Record<string, any>>): string | null {
  for (const [i, m] of messages.entries()) {
    if (m.role === 'user') {
      const asked = new Set(messages[i - 1]?.role === 'assistant' ? toolUseIds(messages[i - 1]) : []);
      for (const [j, block] of blocksOf(m).entries()) {
        if (block.type === 'tool_result' && !asked.has(block.tool_use_id)) {
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${block.tool_use_id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    if (m.role !== 'assistant') continue;
    const ids = toolUseIds(m);
    if (ids.length === 0) continue;
    const next = messages[i + 1];
    const leading = new Set<string>();
    if (next?.role === 'user') {
      for (const block of blocksOf(next)) {
        if (block.type !== 'tool_result') break;
        leading.add(block.tool_use_id);
      }
    }
    const missing = ids.filter((id) => !leading.has(id));
    if (missing.length > 0) {
      return `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return null;
}

/** Replayed thinking must be exactly what this API issued: text and signature, or redacted data. */
function checkReplayedThinking(messages: Array<Record<string, any>>): string | null {
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'assistant') continue;
    for (const [j, block] of blocksOf(m).entries()) {
      if (block.type === 'thinking' && !verifyThinking(block.thinking, block.signature)) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`;
      if (block.type === 'redacted_thinking' && !verifyRedacted(block.data)) return `messages.${i}.content.${j}: Invalid \`data\` in \`redacted_thinking\` block`;
    }
  }
  return null;
}

/**
 * With thinking on, the assistant turn in progress — the messages since the last user message that
 * is not just tool results — must open with its thinking once it has used a tool. With thinking
 * off, a final (prefilled) assistant message may not hold thinking.
 */
function checkThinkingTurn(body: Record<string, any>): string | null {
  const messages: Array<Record<string, any>> = body.messages;
  if (thinkingMode(body) === 'disabled') {
    const last = messages.at(-1);
    const at = last?.role === 'assistant' ? blocksOf(last).findIndex((b) => b.type === 'thinking' || b.type === 'redacted_thinking') : -1;
    if (at === -1) return null;
    return `messages.${messages.length - 1}.content.${at}: When thinking is disabled, an \`assistant\` message in the final position cannot contain \`thinking\`. To use thinking blocks, enable \`thinking\` in your request.`;
  }
  let start = 0;
  messages.forEach((m, i) => {
    const results = blocksOf(m).some((b) => b.type === 'tool_result');
    if (m.role === 'user' && !results) start = i + 1;
  });
  const turn = messages.slice(start).map((m, k) => ({ m, i: start + k })).filter(({ m }) => m.role === 'assistant');
  if (!turn.some(({ m }) => toolUseIds(m).length > 0)) return null;
  const first = turn[0]!;
  const opening = typeof first.m.content === 'string' ? 'text' : first.m.content[0]?.type;
  if (opening === 'thinking' || opening === 'redacted_thinking') return null;
  return (
    `messages.${first.i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${opening}\`. ` +
    'When `thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). ' +
    'We recommend you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. ' +
    `Please consult our documentation at ${DOCS_THINKING}`
  );
}
