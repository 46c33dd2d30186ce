import { isObject } from './http-io.ts';

// Request checks DeepSeek's /chat/completions performs (deepseek-chat.md §3.2, §4, §8),
// so a gateway bug shows up as the same 400 the real service would send. Each check
// returns the error message, or null when the request passes it. Unknown top-level
// fields are ignored, as DeepSeek does.
// Marked [unverified] in the protocol notes, yet enforced because they catch real
// translation bugs: tool name pattern and count, json_schema, max_tokens range.

const ROLES = ['system', 'user', 'assistant', 'tool'];
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_TOOLS = 128;
const MAX_OUTPUT_TOKENS = 393_216;

export const REASONING_MISSING = 'The `reasoning_content` in the thinking mode must be passed back to the API.';
export const INSUFFICIENT_TOOL_MESSAGES =
  "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id' (insufficient tool messages following tool_calls message)";
export const ORPHAN_TOOL_MESSAGE = "Messages with role 'tool' must be a response to a preceding message with 'tool_calls'";

const deserialize = (detail: string) => `Failed to deserialize the JSON body into the target type: ${detail}`;

/** Thinking is on unless disabled; the legacy `deepseek-chat` alias is the non-thinking model. */
export function thinkingEnabled(body: Record<string, any>): boolean {
  if (isObject(body.thinking)) return body.thinking.type !== 'disabled';
  return body.model !== 'deepseek-chat';
}

export function validateChatRequest(body: Record<string, any>, efforts: readonly string[]): string | null {
  return (
    checkModel(body) ??
    checkMessages(body.messages) ??
    checkThinking(body) ??
    checkToolOrder(body.messages) ??
    (thinkingEnabled(body) ? checkReasoningReplay(body.messages) : null) ??
    checkTools(body.tools) ??
    checkToolChoice(body.tool_choice) ??
    checkEffort(body.reasoning_effort, efforts) ??
    checkResponseFormat(body.response_format) ??
    checkMaxTokens(body.max_tokens)
  );
}

function checkModel(body: Record<string, any>): string | null {
  if (!('model' in body)) return deserialize('missing field `model`');
  if (typeof body.model !== 'string') return deserialize('model: invalid type, expected a string');
  return body.model === '' ? 'Model Not Exist' : null;
}

function checkMessages(messages: unknown): string | null {
  if (messages === undefined) return deserialize('missing field `messages`');
  if (!Array.isArray(messages)) return deserialize('messages: invalid type, expected a sequence');
  if (messages.length === 0) return 'Empty input messages';
  for (const [i, m] of messages.entries()) {
    const at = `messages[${i}]`;
    if (!isObject(m)) return deserialize(`${at}: invalid type, expected a message object`);
    if (!('role' in m)) return deserialize(`${at}: missing field \`role\``);
    if (!ROLES.includes(m.role)) {
      return deserialize(`${at}: unknown variant \`${String(m.role)}\`, expected one of \`system\`, \`user\`, \`assistant\`, \`tool\``);
    }
    // DeepSeek deserialises `content` as a required field on every role (null allowed for the assistant only).
    if (!('content' in m)) return deserialize(`${at}: missing field \`content\``);
    const contentOk = typeof m.content === 'string' || Array.isArray(m.content) || (m.role === 'assistant' && m.content === null);
    if (!contentOk) return deserialize(`${at}.content: invalid type, expected a string or an array of content parts`);
    if (m.role === 'tool' && typeof m.tool_call_id !== 'string') return deserialize(`${at}: missing field \`tool_call_id\``);
    if (m.role === 'assistant') {
      const problem = checkAssistant(m, at);
      if (problem) return problem;
    }
  }
  return null;
}

function checkAssistant(m: Record<string, any>, at: string): string | null {
  if (m.reasoning_content !== undefined && m.reasoning_content !== null && typeof m.reasoning_content !== 'string') {
    return deserialize(`${at}.reasoning_content: invalid type, expected a string`);
  }
  if (m.tool_calls === undefined || m.tool_calls === null) return null;
  if (!Array.isArray(m.tool_calls)) return deserialize(`${at}.tool_calls: invalid type, expected a sequence`);
  for (const [j, call] of m.tool_calls.entries()) {
    const where = `${at}.tool_calls[${j}]`;
    if (!isObject(call) || typeof call.id !== 'string') return deserialize(`${where}: missing field \`id\``);
    if (call.type !== 'function') return deserialize(`${where}.type: unknown variant, expected \`function\``);
    if (!isObject(call.function) || typeof call.function.name !== 'string') return deserialize(`${where}: missing field \`function.name\``);
    if (typeof call.function.arguments !== 'string') return deserialize(`${where}.function.arguments: invalid type, expected a string`);
  }
  return null;
}

function checkThinking(body: Record<string, any>): string | null {
  if (body.thinking === undefined || body.thinking === null) return null;
  if (!isObject(body.thinking) || !['enabled', 'disabled'].includes(body.thinking.type)) {
    return deserialize('thinking.type: unknown variant, expected `enabled` or `disabled`');
  }
  return null;
}

/** Each assistant tool_calls message must be answered by one tool message per id before anything else. */
export function checkToolOrder(messages: Record<string, any>[]): string | null {
  let open = new Set<string>();
  for (const m of messages) {
    if (m.role === 'tool') {
      if (!open.delete(m.tool_call_id)) return ORPHAN_TOOL_MESSAGE;
      continue;
    }
    if (open.size > 0) return INSUFFICIENT_TOOL_MESSAGES;
    open = new Set(m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls.map((c: { id: string }) => c.id) : []);
  }
  return open.size > 0 ? INSUFFICIENT_TOOL_MESSAGES : null;
}

/**
 * Between two user messages, once the model made a tool call, every assistant message
 * of that span must carry reasoning_content (an empty string is accepted, null is not).
 */
function checkReasoningReplay(messages: Record<string, any>[]): string | null {
  let span: Record<string, any>[] = [];
  const spanOk = () => {
    const usedTools = span.some((m) => Array.isArray(m.tool_calls) && m.tool_calls.length > 0);
    return !usedTools || span.every((m) => typeof m.reasoning_content === 'string');
  };
  for (const m of messages) {
    if (m.role === 'user') {
      if (!spanOk()) return REASONING_MISSING;
      span = [];
    } else if (m.role === 'assistant') {
      span.push(m);
    }
  }
  return spanOk() ? null : REASONING_MISSING;
}

function checkTools(tools: unknown): string | null {
  if (tools === undefined || tools === null) return null;
  if (!Array.isArray(tools)) return deserialize('tools: invalid type, expected a sequence');
  if (tools.length > MAX_TOOLS) return `Invalid 'tools': too many tools (${tools.length}), the maximum is ${MAX_TOOLS}`;
  for (const [i, tool] of tools.entries()) {
    const at = `tools[${i}]`;
    if (!isObject(tool) || tool.type !== 'function') return deserialize(`${at}.type: unknown variant \`${String(tool?.type)}\`, expected \`function\``);
    if (!isObject(tool.function)) return deserialize(`${at}: missing field \`function\``);
    const fn = tool.function;
    if (typeof fn.name !== 'string') return deserialize(`${at}.function: missing field \`name\``);
    if (!TOOL_NAME.test(fn.name)) {
      return `Invalid '${at}.function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$' (at most 64 characters).`;
    }
    if (fn.parameters !== undefined && !isObject(fn.parameters)) return deserialize(`${at}.function.parameters: invalid type, expected an object`);
    if (fn.description !== undefined && typeof fn.description !== 'string') return deserialize(`${at}.function.description: invalid type, expected a string`);
    if (fn.strict !== undefined && typeof fn.strict !== 'boolean') return deserialize(`${at}.function.strict: invalid type, expected a boolean`);
  }
  return null;
}

function checkToolChoice(choice: unknown): string | null {
  if (choice === undefined || choice === null) return null;
  if (typeof choice === 'string') {
    return ['none', 'auto', 'required'].includes(choice) ? null : deserialize(`tool_choice: unknown variant \`${choice}\``);
  }
  if (isObject(choice) && choice.type === 'function' && isObject(choice.function) && typeof choice.function.name === 'string') return null;
  return deserialize('tool_choice: expected `none`, `auto`, `required` or {"type":"function","function":{"name":…}}');
}

function checkEffort(effort: unknown, efforts: readonly string[]): string | null {
  if (effort === undefined || effort === null) return null;
  if (typeof effort === 'string' && efforts.includes(effort)) return null;
  return deserialize(`reasoning_effort: unknown variant \`${String(effort)}\`, expected one of ${efforts.map((e) => `\`${e}\``).join(', ')}`);
}

function checkResponseFormat(format: unknown): string | null {
  if (format === undefined || format === null) return null;
  if (isObject(format) && (format.type === 'text' || format.type === 'json_object')) return null;
  if (isObject(format) && format.type === 'json_schema') return 'This response_format type is unavailable now';
  return deserialize('response_format.type: unknown variant, expected `text` or `json_object`');
}

function checkMaxTokens(max: unknown): string | null {
  if (max === undefined || max === null) return null;
  if (Number.isInteger(max) && (max as number) >= 1 && (max as number) <= MAX_OUTPUT_TOKENS) return null;
  return `Invalid max_tokens value, the valid range of max_tokens is [1, ${MAX_OUTPUT_TOKENS}]`;
}
