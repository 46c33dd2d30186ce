/**
 * Chat direction: an OpenAI Chat Completions body (the openai SDK, Vercel AI SDK, LangChain, agent
 * frameworks) → a Chat Completions body that keeps a strict provider's rules (DeepSeek's, by its
 * profile). Pure: no I/O, throws only GatewayError (4xx).
 *
 * The two APIs share a wire format but not their rules. OpenAI chat clients never send
 * `reasoning_content` back (their types have no such field), while DeepSeek in thinking mode 400s on
 * a tool-calling history without it; they may send roles, fields and efforts the provider does not
 * know. So the history is rebuilt under the same guarantees the Responses translation (request.ts)
 * gives: every assistant message carries `content` and, in thinking mode, the replay field; every
 * tool call is answered right after its message; no `developer` role; no `tool_choice` without
 * tools; the effort is mapped by the same `mapEffort`.
 */
import { GatewayError } from 'aurora';
import type { JsonObject } from 'aurora';
import { type ChatProfile, type MappedEffort, mapEffort } from './profile.ts';
import { ABORTED, NO_OUTPUT, applyTextFormat, partsText } from './request.ts';

export interface ChatNormalizeOptions {
  /** The provider's model id to call. */
  model: string;
  profile: ChatProfile;
}

// Top-level fields Chat providers document alike that pass as the client sent them (null means "unset" to
// OpenAI clients, e.g. LangChain's `stop: null`, so nulls are left out rather than risked).
const PASSED_FIELDS = ['stop', 'temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'logprobs', 'top_logprobs'];

export function toStrictChatRequest(body: JsonObject, opts: ChatNormalizeOptions): JsonObject {
  const { profile } = opts;
  const effort = chooseThinking(body, profile);
  const tools = functionTools(body.tools);
  const choice = toolChoice(body.tool_choice, tools);
  const offered = choice.tools;

  const field = profile.replay === 'reasoning' ? 'reasoning' : 'reasoning_content';
  const messages = toMessages(body.messages, effort.thinking && profile.replayRequired ? field : undefined);
  const chat: JsonObject = { model: opts.model, messages, ...effort.fields };
  if (offered.length > 0) {
    chat.tools = offered;
    if (choice.choice !== undefined) chat.tool_choice = choice.choice;
  }
  applyTextFormat(responseFormat(body.response_format), chat, messages, profile.jsonSchema);

  const maxTokens = body.max_tokens ?? body.max_completion_tokens;
  if (maxTokens !== undefined && maxTokens !== null) chat.max_tokens = maxTokens;
  for (const key of PASSED_FIELDS) if (body[key] !== undefined && body[key] !== null) chat[key] = body[key];
  if (typeof body.stream === 'boolean') chat.stream = body.stream;
  // DeepSeek documents include_usage only; stream_options without a stream is an error on OpenAI's side too.
  if (body.stream === true && body.stream_options && typeof body.stream_options === 'object' && typeof body.stream_options.include_usage === 'boolean') {
    chat.stream_options = { include_usage: body.stream_options.include_usage };
  }
  // Everything else (n, seed, store, metadata, user, logit_bias, parallel_tool_calls, modalities,
  // audio, prediction, service_tier, verbosity, web_search_options, the deprecated functions and
  // function_call, …) is not DeepSeek's and is dropped rather than risking a 400.
  return chat;
}

// ---------------------------------------------------------------------------------------------
// Thinking and effort

/**
 * The client's effort goes through `mapEffort`, exactly as on the Responses route. When a request
 * carries both an effort and its own `thinking`, the effort wins: it is what the effort plugin
 * checked against the operator's table and recorded in the audit trail, and thinking and effort
 * cannot disagree in what DeepSeek receives. Without an effort, an explicit `thinking` the client
 * set is kept; with neither, thinking is stated explicitly (on), as on the Responses route.
 */
function chooseThinking(body: JsonObject, profile: ChatProfile): MappedEffort {
  const own = profile.effort.send === 'thinking' ? clientThinking(body.thinking) : undefined;
  const effort = body.reasoning_effort;
  if (effort !== undefined && effort !== null) return mapEffort(effort, profile.effort);
  return own ? { thinking: own === 'enabled', fields: { thinking: { type: own } } } : mapEffort(undefined, profile.effort);
}

function clientThinking(thinking: unknown): 'enabled' | 'disabled' | undefined {
  if (thinking === undefined || thinking === null) return undefined;
  const type = typeof thinking === 'object' ? (thinking as JsonObject).type : undefined;
  if (type === 'enabled' || type === 'disabled') return type;
  // Not an OpenAI field, so only a DeepSeek-aware client sends it: telling it beats guessing.
  throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'thinking', message: '`thinking` must be {"type": "enabled"} or {"type": "disabled"}.' });
}

// ---------------------------------------------------------------------------------------------
// Messages

/**
 * Rebuilds the history so DeepSeek accepts it. Tool messages must come right after the assistant
 * message whose calls they answer: a user or system message that arrives while calls are still
 * open waits until they are answered or closed, and calls still open when the next assistant turn
 * (or the end) comes are closed with an "aborted" result, as Codex itself does.
 */
function toMessages(input: unknown, replayField: string | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  // Open calls of the last assistant message, in call order: id → function name.
  const open = new Map<string, string>();
  let held: JsonObject[] = [];
  let generated = 0;

  const release = () => {
    const waiting = held;
    held = [];
    out.push(...waiting);
  };
  const closeOpen = () => {
    for (const id of open.keys()) out.push({ role: 'tool', tool_call_id: id, content: ABORTED });
    open.clear();
    release();
  };
  const userSide = (message: JsonObject) => {
    if (open.size > 0) held.push(message);
    else out.push(message);
  };
  const answer = (id: string, content: unknown) => {
    open.delete(id);
    const text = partsText(content, '\n');
    out.push({ role: 'tool', tool_call_id: id, content: text === '' ? NO_OUTPUT : text });
    if (open.size === 0) release();
  };
  const nextId = () => `call_aurora_${generated++}`;

  if (!Array.isArray(input)) return out;
  for (const m of input) {
    if (!m || typeof m !== 'object') continue;
    switch (m.role) {
      case 'system':
      case 'developer': // DeepSeek has no developer role.
        userSide(withName({ role: 'system', content: partsText(m.content, '\n\n') }, m));
        break;
      case 'user':
        userSide(withName({ role: 'user', content: userContent(m.content) }, m));
        break;
      case 'assistant': {
        closeOpen();
        const message = assistantMessage(m, replayField, nextId);
        for (const call of message.tool_calls ?? []) open.set(call.id, call.function.name);
        out.push(message);
        break;
      }
      case 'tool':
        // A result with no open call (already answered, or never made) would 400: drop it.
        if (typeof m.tool_call_id === 'string' && open.has(m.tool_call_id)) answer(m.tool_call_id, m.content);
        break;
      case 'function': {
        // The deprecated function-calling history: the result answers the oldest open call of that name.
        const id = [...open].find(([, name]) => name === m.name)?.[0];
        if (id !== undefined) answer(id, m.content);
        break;
      }
      default:
        break;
    }
  }
  closeOpen();
  return out;
}

function assistantMessage(m: JsonObject, replayField: string | undefined, nextId: () => string): JsonObject {
  // DeepSeek deserialises `content` as required; null is accepted on assistant messages.
  const message: JsonObject = { role: 'assistant', content: m.content === null ? null : partsText(m.content, '') };
  if (typeof m.name === 'string') message.name = m.name;
  // In thinking mode DeepSeek 400s when an assistant message of a tool-calling span lacks
  // reasoning_content; OpenAI chat clients rebuild the message without it, and "" is the accepted
  // fallback (translation.md §4), ignored outside such spans. What the client kept (the openai SDK's
  // returned message carries DeepSeek's own reasoning) is sent back as it is. Thinking off: the field
  // is left out, as on the Responses route.
  if (replayField) message[replayField] = typeof m[replayField] === 'string' ? m[replayField] : '';
  const calls = toolCalls(m, nextId);
  if (calls.length > 0) message.tool_calls = calls;
  // Kept for DeepSeek's chat prefix completion (beta base URL), which reads it on the last assistant message.
  if (m.prefix === true) message.prefix = true;
  return message;
}

function toolCalls(m: JsonObject, nextId: () => string): JsonObject[] {
  const calls: JsonObject[] = [];
  const id = (call: JsonObject) => (typeof call.id === 'string' && call.id !== '' ? call.id : nextId());
  for (const call of Array.isArray(m.tool_calls) ? m.tool_calls : []) {
    if (!call || typeof call !== 'object') continue;
    if (call.type === 'custom' && call.custom && typeof call.custom === 'object') {
      // A custom-tool call in the history, in the one-string-argument form the Responses route uses.
      const input = typeof call.custom.input === 'string' ? call.custom.input : '';
      calls.push({ id: id(call), type: 'function', function: { name: String(call.custom.name ?? ''), arguments: JSON.stringify({ input }) } });
      continue;
    }
    const fn = call.function && typeof call.function === 'object' ? call.function : {};
    calls.push({ id: id(call), type: 'function', function: { name: String(fn.name ?? ''), arguments: argumentsText(fn.arguments) } });
  }
  if (calls.length === 0 && m.function_call && typeof m.function_call === 'object') {
    calls.push({ id: nextId(), type: 'function', function: { name: String(m.function_call.name ?? ''), arguments: argumentsText(m.function_call.arguments) } });
  }
  return calls;
}

function argumentsText(args: unknown): string {
  if (typeof args === 'string') return args || '{}';
  return JSON.stringify(args ?? {});
}

function withName(message: JsonObject, from: JsonObject): JsonObject {
  if (typeof from.name === 'string' && from.name !== '') message.name = from.name;
  return message;
}

/** Text-only part arrays become a string; arrays with images stay as sent (vision models take them). */
function userContent(content: unknown): unknown {
  if (!Array.isArray(content)) return typeof content === 'string' ? content : '';
  const textOnly = content.every((p) => p && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string');
  return textOnly ? partsText(content, '\n\n') : content;
}

// ---------------------------------------------------------------------------------------------
// Tools, tool_choice, response_format

/**
 * Function tools in the shape DeepSeek documents. Custom (freeform) tools are left out: DeepSeek
 * cannot produce a custom call, and this route returns DeepSeek's answer untranslated. `strict`
 * is a DeepSeek beta feature (beta base URL only), so it is not forwarded, as on the Responses route.
 */
function functionTools(tools: unknown): JsonObject[] {
  if (!Array.isArray(tools)) return [];
  const out: JsonObject[] = [];
  for (const tool of tools) {
    if (!tool || typeof tool !== 'object' || tool.type !== 'function' || !tool.function || typeof tool.function.name !== 'string') continue;
    const fn: JsonObject = { name: tool.function.name };
    if (typeof tool.function.description === 'string') fn.description = tool.function.description;
    fn.parameters = tool.function.parameters && typeof tool.function.parameters === 'object' ? tool.function.parameters : { type: 'object', properties: {} };
    out.push({ type: 'function', function: fn });
  }
  return out;
}

/** The tools to offer and the tool_choice to send with them (allowed_tools narrows the set). */
function toolChoice(choice: unknown, tools: JsonObject[]): { tools: JsonObject[]; choice: unknown } {
  if (choice === undefined || choice === null) return { tools, choice: undefined };
  if (choice === 'auto' || choice === 'none' || choice === 'required') return { tools, choice };
  if (!choice || typeof choice !== 'object') return { tools, choice: 'auto' };
  const c = choice as JsonObject;
  if (c.type === 'function' && typeof c.function?.name === 'string') {
    // Forcing a tool DeepSeek was not given would 400: let the model choose instead.
    const known = tools.some((t) => t.function.name === c.function.name);
    return { tools, choice: known ? { type: 'function', function: { name: c.function.name } } : 'auto' };
  }
  if (c.type === 'allowed_tools' && c.allowed_tools && typeof c.allowed_tools === 'object') {
    const names = new Set<string>();
    for (const t of Array.isArray(c.allowed_tools.tools) ? c.allowed_tools.tools : []) if (typeof t?.function?.name === 'string') names.add(t.function.name);
    return { tools: tools.filter((t) => names.has(t.function.name)), choice: c.allowed_tools.mode === 'required' ? 'required' : 'auto' };
  }
  // A custom-tool choice: that tool was left out.
  return { tools, choice: 'auto' };
}

/** Chat's response_format in the Responses `text.format` shape `applyTextFormat` reads. */
function responseFormat(format: unknown): JsonObject | undefined {
  if (!format || typeof format !== 'object') return undefined;
  const f = format as JsonObject;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema') {
    const spec = f.json_schema && typeof f.json_schema === 'object' ? f.json_schema : {};
    return { type: 'json_schema', name: spec.name, description: spec.description, schema: spec.schema };
  }
  return undefined;
}
