/**
 * Request direction: an OpenAI Responses body (what Codex sends) → a DeepSeek Chat Completions body.
 * translation.md §1. Pure: no I/O, throws only GatewayError (4xx) for requests it cannot serve.
 *
 * The rules that matter most are the ones that keep DeepSeek from answering 400 mid-session:
 * every tool-calling assistant message carries `content` and `reasoning_content`, every tool call
 * is followed by exactly one tool message before anything else, no `developer` role, no hosted
 * tools, no `tool_choice` without tools.
 */
import { GatewayError } from 'aurora';
import type { JsonObject } from 'aurora';
import type { ReasoningCarrier } from './state.ts';
import { type ToolEntry, type ToolIndex, buildToolIndex, customToolFunction } from './tools.ts';

export interface ChatRequestOptions {
  /** The DeepSeek model id to call. */
  model: string;
  carrier: ReasoningCarrier;
  /** The tool index of this request, when the caller built it already. */
  tools?: ToolIndex;
}

/** Result of an orphan tool call (interrupted turn); the word Codex itself uses. */
export const ABORTED = 'aborted';

/** Result of a tool that printed nothing, so that no tool message is empty. */
export const NO_OUTPUT = '(no output)';

export function toChatRequest(body: JsonObject, opts: ChatRequestOptions): JsonObject {
  rejectUnsupported(body);
  const index = opts.tools ?? buildToolIndex(body.tools);
  const effort = mapEffort(body.reasoning?.effort);
  const thinking = effort.thinking.type === 'enabled';

  const messages = toMessages(body, index, opts.carrier, thinking);
  const chat: JsonObject = { model: opts.model, messages, thinking: effort.thinking };
  if (effort.reasoning_effort) chat.reasoning_effort = effort.reasoning_effort;

  // Tools: an allowed_tools choice narrows the declared set; no servable tools → no tools and no
  // tool_choice (DeepSeek, like OpenAI, rejects a tool_choice without tools; Codex's compaction
  // request sends `tools: []` with `tool_choice: "auto"`).
  const choice = body.tool_choice;
  let entries = index.entries;
  if (choice && typeof choice === 'object' && choice.type === 'allowed_tools') entries = filterAllowed(entries, choice.tools);
  if (entries.length > 0) {
    chat.tools = entries.map(toChatTool);
    const mapped = mapToolChoice(choice, entries, index);
    if (mapped !== undefined) chat.tool_choice = mapped;
  }

  applyTextFormat(body.text?.format, chat, messages);

  if (Number.isInteger(body.max_output_tokens) && body.max_output_tokens > 0) chat.max_tokens = body.max_output_tokens;
  if (typeof body.temperature === 'number') chat.temperature = body.temperature;
  if (typeof body.top_p === 'number') chat.top_p = body.top_p;
  if (body.stream === true) {
    chat.stream = true;
    chat.stream_options = { include_usage: true };
  } else {
    chat.stream = false;
  }
  // Everything else (store, include, prompt_cache_key, metadata, parallel_tool_calls,
  // reasoning.summary, text.verbosity, service_tier, truncation, user, …) is deliberately dropped.
  return chat;
}

/** Features that need server-side state this gateway does not keep: a clear 400, never a 5xx. */
function rejectUnsupported(body: JsonObject): void {
  if (typeof body.previous_response_id === 'string' && body.previous_response_id !== '') {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
      param: 'previous_response_id',
      message: 'previous_response_id is not supported for DeepSeek models: this gateway stores no responses. Send the full conversation in `input` (with store: false, as Codex does).',
    });
  }
  if (body.background === true) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', {
      param: 'background',
      message: 'background: true is not supported for DeepSeek models: this gateway keeps no response state to poll. Send the request without background (streaming is supported).',
    });
  }
  const input = body.input;
  if (input === undefined || input === null) throw new GatewayError('AURORA_ERR_MISSING_PARAM', { args: ['input'], param: 'input' });
  if (typeof input !== 'string' && !Array.isArray(input)) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'input', message: '`input` must be a string or an array of input items.' });
  }
}

// ---------------------------------------------------------------------------------------------
// Reasoning effort (§1.4), for both routes: `reasoning.effort` here, `reasoning_effort` in
// chat-request.ts, so one client effort means one DeepSeek request whichever API the client speaks.
// The effort plugin, when configured, has already mapped the client's value into DeepSeek's
// vocabulary; this is the last, defensive mapping onto the two Chat fields. `thinking.type` is
// always explicit: omitting it leaves thinking on (DeepSeek's default), which is wrong for `none`.

export interface MappedEffort {
  thinking: { type: 'enabled' | 'disabled' };
  reasoning_effort?: 'high' | 'max';
}

export function mapEffort(effort: unknown): MappedEffort {
  if (effort === undefined || effort === null) return { thinking: { type: 'enabled' } };
  switch (effort) {
    case 'none':
    case 'minimal':
      return { thinking: { type: 'disabled' } };
    case 'xhigh':
    case 'max':
      return { thinking: { type: 'enabled' }, reasoning_effort: 'max' };
    default: // low, medium, high, and anything unknown
      return { thinking: { type: 'enabled' }, reasoning_effort: 'high' };
  }
}

// ---------------------------------------------------------------------------------------------
// Input items → messages (§1.2)

interface AssistantDraft {
  content: string[];
  reasoning: string[];
  toolCalls: JsonObject[];
}

function toMessages(body: JsonObject, index: ToolIndex, carrier: ReasoningCarrier, thinking: boolean): JsonObject[] {
  const out: JsonObject[] = [];
  let draft: AssistantDraft | undefined;
  // Calls of the last assistant message still waiting for their tool message, in call order.
  let pending = new Set<string>();
  // User/system messages that arrived while calls were pending: they go after the tool messages.
  let deferred: JsonObject[] = [];
  let generated = 0;

  const push = (message: JsonObject) => {
    const last = out[out.length - 1];
    // Consecutive system messages become one (Codex sends two or three developer messages in a row).
    if (message.role === 'system' && last?.role === 'system') last.content = `${last.content}\n\n${message.content}`;
    else out.push(message);
  };

  const closePending = () => {
    for (const id of pending) out.push({ role: 'tool', tool_call_id: id, content: ABORTED });
    pending = new Set();
    const held = deferred;
    deferred = [];
    for (const message of held) push(message);
  };

  const flushDraft = () => {
    if (!draft) return;
    const { content, reasoning, toolCalls } = draft;
    draft = undefined;
    const text = content.join('\n\n');
    // Reasoning with neither text nor calls (an interrupted turn) has nothing to attach to.
    if (text === '' && toolCalls.length === 0) return;
    closePending();
    const message: JsonObject = { role: 'assistant', content: text };
    const reasoningText = reasoning.join('\n\n');
    // In thinking mode DeepSeek 400s when reasoning_content is missing on any assistant message of a
    // user-to-user span that made tool calls, even when the reasoning was empty; "" is the accepted
    // fallback (§4) and is ignored elsewhere, so every assistant message carries the field.
    if (thinking) message.reasoning_content = reasoningText;
    if (toolCalls.length > 0) {
      message.tool_calls = toolCalls;
      for (const call of toolCalls) pending.add(call.id);
    }
    out.push(message);
  };

  const assistant = (): AssistantDraft => (draft ??= { content: [], reasoning: [], toolCalls: [] });

  const userSide = (message: JsonObject) => {
    flushDraft();
    if (pending.size > 0) deferred.push(message);
    else push(message);
  };

  const callId = (item: JsonObject): string =>
    typeof item.call_id === 'string' && item.call_id !== '' ? item.call_id : typeof item.id === 'string' && item.id !== '' ? item.id : `call_aurora_${generated++}`;

  if (typeof body.instructions === 'string' && body.instructions !== '') push({ role: 'system', content: body.instructions });

  const input = body.input;
  if (typeof input === 'string') {
    push({ role: 'user', content: input });
    return out;
  }
  if (!Array.isArray(input)) return out;

  for (const item of input) {
    if (!item || typeof item !== 'object') continue;
    const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
    switch (type) {
      case 'message': {
        const role = item.role;
        if (role === 'assistant') {
          const text = partsText(item.content, '');
          if (text !== '') assistant().content.push(text);
        } else if (role === 'user') {
          userSide({ role: 'user', content: partsText(item.content, '\n\n') });
        } else if (role === 'system' || role === 'developer') {
          // DeepSeek has no developer role.
          userSide({ role: 'system', content: partsText(item.content, '\n\n') });
        }
        break;
      }
      case 'reasoning': {
        // A reasoning item opens a new assistant turn when the current one already said something.
        if (draft && (draft.content.length > 0 || draft.toolCalls.length > 0)) flushDraft();
        const text = recoverReasoning(item, carrier);
        const target = assistant();
        if (text) target.reasoning.push(text);
        break;
      }
      case 'function_call': {
        const args = item.arguments;
        assistant().toolCalls.push({
          id: callId(item),
          type: 'function',
          function: {
            name: index.chatName(String(item.name ?? ''), stringOr(item.namespace)),
            arguments: typeof args === 'string' ? args || '{}' : JSON.stringify(args ?? {}),
          },
        });
        break;
      }
      case 'custom_tool_call': {
        // Mirror of the wrapper function declared for custom tools (§1.3).
        assistant().toolCalls.push({
          id: callId(item),
          type: 'function',
          function: {
            name: index.chatName(String(item.name ?? ''), stringOr(item.namespace)),
            arguments: JSON.stringify({ input: typeof item.input === 'string' ? item.input : '' }),
          },
        });
        break;
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        flushDraft();
        const id = item.call_id;
        // An output with no matching call just before it would 400 ("tool must follow tool_calls"): drop it.
        if (typeof id !== 'string' || !pending.has(id)) break;
        pending.delete(id);
        const output = typeof item.output === 'string' ? item.output : partsText(item.output, '\n');
        out.push({ role: 'tool', tool_call_id: id, content: output === '' ? NO_OUTPUT : output });
        // The last output releases the messages held meanwhile, before anything that follows them.
        if (pending.size === 0) closePending();
        break;
      }
      default:
        // Hosted-tool items (web_search_call, local_shell_call…), compaction, item_reference: a Chat
        // upstream has no equivalent; dropping them keeps the request valid.
        break;
    }
  }
  flushDraft();
  closePending();
  return out;
}

/** The reasoning text sealed in `encrypted_content`, else a `reasoning_text` content (non-Codex clients). */
function recoverReasoning(item: JsonObject, carrier: ReasoningCarrier): string | undefined {
  if (typeof item.encrypted_content === 'string') {
    const text = carrier.open(item.encrypted_content);
    if (text !== undefined) return text;
  }
  if (Array.isArray(item.content)) {
    const text = item.content
      .filter((p: unknown) => p && typeof p === 'object' && (p as JsonObject).type === 'reasoning_text' && typeof (p as JsonObject).text === 'string')
      .map((p: JsonObject) => p.text as string)
      .join('');
    if (text !== '') return text;
  }
  // Foreign encrypted_content (a real OpenAI blob) or nothing at all: the caller falls back to "".
  return undefined;
}

/**
 * Text of a string or a part array (text and refusal parts). Responses images and files cannot go
 * to DeepSeek's text models: a placeholder keeps the gap visible.
 */
export function partsText(content: unknown, separator: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const texts: string[] = [];
  for (const part of content) {
    if (!part || typeof part !== 'object') continue;
    if (typeof part.text === 'string') texts.push(part.text);
    else if (typeof part.refusal === 'string') texts.push(part.refusal);
    else if (part.type === 'input_image') texts.push('[image omitted: this model cannot view images]');
    else if (part.type === 'input_file') texts.push(`[file omitted${typeof part.filename === 'string' ? `: ${part.filename}` : ''}]`);
  }
  return texts.join(separator);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Tools and tool_choice (§1.3, §1.1)

function toChatTool(entry: ToolEntry): JsonObject {
  if (entry.custom) return customToolFunction(entry.chatName, entry.tool);
  const { tool } = entry;
  const fn: JsonObject = { name: entry.chatName };
  if (typeof tool.description === 'string') fn.description = tool.description;
  fn.parameters = tool.parameters && typeof tool.parameters === 'object' ? tool.parameters : { type: 'object', properties: {} };
  // `strict` is a beta feature on DeepSeek (beta base URL only): not forwarded.
  return { type: 'function', function: fn };
}

function filterAllowed(entries: ToolEntry[], allowed: unknown): ToolEntry[] {
  if (!Array.isArray(allowed)) return entries;
  const names = new Set<string>();
  for (const t of allowed) {
    if (t && typeof t === 'object' && typeof t.name === 'string') names.add(typeof t.namespace === 'string' ? `${t.namespace}\0${t.name}` : t.name);
  }
  return entries.filter((e) => names.has(e.name) || (e.namespace !== undefined && names.has(`${e.namespace}\0${e.name}`)));
}

function mapToolChoice(choice: unknown, entries: ToolEntry[], index: ToolIndex): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (typeof choice !== 'object') return 'auto';
  const c = choice as JsonObject;
  if (c.type === 'allowed_tools') return c.mode === 'required' ? 'required' : 'auto';
  if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') {
    const chatName = index.chatName(c.name, stringOr(c.namespace));
    const entry = entries.find((e) => e.chatName === chatName) ?? entries.find((e) => e.name === c.name);
    // Forcing a tool DeepSeek was not given would 400: let the model choose instead.
    return entry ? { type: 'function', function: { name: entry.chatName } } : 'auto';
  }
  // Hosted-tool choices (web_search, file_search, mcp…): those tools were dropped.
  return 'auto';
}

// ---------------------------------------------------------------------------------------------
// text.format → response_format. DeepSeek documents only json_object; a json_schema request gets
// JSON mode plus the schema in the system prompt [design choice, translation.md §1.1].

export function applyTextFormat(format: unknown, chat: JsonObject, messages: JsonObject[]): void {
  if (!format || typeof format !== 'object') return;
  const f = format as JsonObject;
  if (f.type === 'json_object') {
    chat.response_format = { type: 'json_object' };
    // JSON mode wants the word "json" in the prompt; add a line only when nobody wrote it.
    if (!messages.some((m) => typeof m.content === 'string' && /json/i.test(m.content))) appendSystem(messages, 'Respond with a JSON object.');
  } else if (f.type === 'json_schema') {
    chat.response_format = { type: 'json_object' };
    let hint = 'Respond with a single JSON object, with no prose and no Markdown fences, that matches this JSON schema';
    if (typeof f.name === 'string') hint += ` (${f.name})`;
    hint += ':\n';
    if (typeof f.description === 'string') hint = `${f.description}\n${hint}`;
    appendSystem(messages, hint + JSON.stringify(f.schema ?? {}));
  }
}

function appendSystem(messages: JsonObject[], text: string): void {
  const first = messages[0];
  if (first?.role === 'system') first.content = `${first.content}\n\n${text}`;
  else messages.unshift({ role: 'system', content: text });
}
