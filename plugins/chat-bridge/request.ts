/**
 * Request direction: an OpenAI Responses body (what Codex sends) → a provider's Chat Completions
 * body, as the profile describes the provider. translation.md §1. Pure: no I/O, throws only
 * GatewayError (4xx) for requests it cannot serve.
 *
 * The rules that matter most keep a provider from answering 400 mid-session: every tool-calling
 * assistant message carries `content` and, as the profile wants it, the reasoning it returned (a
 * field, `reasoning_details` as received, thought signatures on the calls); every tool call is
 * followed by exactly one tool message before anything else; no `developer` role; no hosted tools;
 * no `tool_choice` without tools.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from 'aurora';
import { type ChatProfile, type ModelSpec, mapEffort } from './profile.ts';
import { consolidateDetails } from './reasoning.ts';
import type { ReasoningCarrier, ReasoningState } from './state.ts';
import { customToolDescription, customToolParameters } from './freeform.ts';
import { rejectUnsupported } from './stateless.ts';
import { type ToolEntry, type ToolIndex, allowedEntries, buildToolIndex, chosenEntry } from './tools.ts';

export interface ChatRequestOptions {
  /** The provider's model id to call. */
  model: string;
  carrier: ReasoningCarrier;
  profile: ChatProfile;
  /** What the model can do (efforts, output limit, images). */
  spec?: ModelSpec;
  /** The provider's name in error messages (`DeepSeek`). */
  label?: string;
  /** The tool index of this request, when the caller built it already. */
  tools?: ToolIndex;
}

/** Result of an orphan tool call (interrupted turn); the word Codex itself uses. */
export const ABORTED = 'aborted';

/** Result of a tool that printed nothing, so that no tool message is empty. */
export const NO_OUTPUT = '(no output)';

export function toChatRequest(body: JsonObject, opts: ChatRequestOptions): JsonObject {
  const { profile } = opts;
  const spec = opts.spec ?? {};
  rejectUnsupported(body, opts.label ?? 'these');
  const index = opts.tools ?? buildToolIndex(body.tools, profile.tools.maxNameLength);
  const effort = mapEffort(body.reasoning?.effort, profile.effort, spec);

  const messages = toMessages(body, index, opts.carrier, effort.thinking, profile, spec);
  const chat: JsonObject = { model: opts.model, messages, ...effort.fields };

  // Tools: an allowed_tools choice narrows the declared set; no servable tools → no tools and no
  // tool_choice (providers, like OpenAI, reject a tool_choice without tools; Codex's compaction
  // request sends `tools: []` with `tool_choice: "auto"`).
  const choice = body.tool_choice;
  let entries = index.entries;
  if (choice && typeof choice === 'object' && choice.type === 'allowed_tools') entries = allowedEntries(entries, choice.tools);
  if (entries.length > 0) {
    chat.tools = entries.map(toChatTool);
    let mapped = mapToolChoice(choice, entries, index);
    if (mapped === 'required' && !profile.tools.required) mapped = 'auto';
    if (mapped !== undefined) chat.tool_choice = mapped;
    if (profile.tools.parallel && typeof body.parallel_tool_calls === 'boolean') chat.parallel_tool_calls = body.parallel_tool_calls;
  }

  applyTextFormat(body.text?.format, chat, messages, profile.jsonSchema);

  if (Number.isInteger(body.max_output_tokens) && body.max_output_tokens > 0) {
    chat[profile.maxTokensField] = spec.maxOutputTokens ? Math.min(body.max_output_tokens, spec.maxOutputTokens) : body.max_output_tokens;
  }
  if (typeof body.temperature === 'number') chat.temperature = body.temperature;
  if (typeof body.top_p === 'number') chat.top_p = body.top_p;
  if (body.stream === true) {
    chat.stream = true;
    if (profile.streamUsage) chat.stream_options = { include_usage: true };
  } else {
    chat.stream = false;
  }
  if (profile.extraBody) Object.assign(chat, profile.extraBody);
  // Everything else (store, include, prompt_cache_key, metadata, reasoning.summary, text.verbosity,
  // service_tier, truncation, user, …) is deliberately dropped.
  return chat;
}

// ---------------------------------------------------------------------------------------------
// Input items → messages (§1.2)

interface AssistantDraft {
  content: string[];
  reasoning: string[];
  details: JsonObject[];
  toolCalls: JsonObject[];
}

function toMessages(body: JsonObject, index: ToolIndex, carrier: ReasoningCarrier, thinking: boolean, profile: ChatProfile, spec: ModelSpec): JsonObject[] {
  const out: JsonObject[] = [];
  let draft: AssistantDraft | undefined;
  // The last assistant message written, for reasoning state that arrives after its turn (tail items).
  let lastAssistant: JsonObject | undefined;
  // Calls of the last assistant message still waiting for their tool message, in call order.
  let pending = new Set<string>();
  // User/system messages that arrived while calls were pending: they go after the tool messages.
  let deferred: JsonObject[] = [];
  let generated = 0;
  const signatures = profile.thoughtSignatures ? new Map<string, string>() : undefined;
  const callId = rewriteCallId(profile);

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
    const { content, reasoning, details, toolCalls } = draft;
    draft = undefined;
    const text = content.join('\n\n');
    // Reasoning with neither text nor calls (an interrupted turn) has nothing to attach to.
    if (text === '' && toolCalls.length === 0) return;
    closePending();
    const message: JsonObject = { role: 'assistant', content: text };
    attachReasoning(message, reasoning.join('\n\n'), details, thinking, profile);
    if (toolCalls.length > 0) {
      message.tool_calls = toolCalls;
      for (const call of toolCalls) pending.add(call.id);
    }
    out.push(message);
    lastAssistant = message;
  };

  const assistant = (): AssistantDraft => (draft ??= { content: [], reasoning: [], details: [], toolCalls: [] });

  const userSide = (message: JsonObject) => {
    flushDraft();
    if (pending.size > 0) deferred.push(message);
    else push(message);
  };

  const idOf = (item: JsonObject): string =>
    callId(typeof item.call_id === 'string' && item.call_id !== '' ? item.call_id : typeof item.id === 'string' && item.id !== '' ? item.id : `call_aurora_${generated++}`);

  const addCall = (item: JsonObject, args: string) => {
    const original = typeof item.call_id === 'string' ? item.call_id : undefined;
    const call: JsonObject = { id: idOf(item), type: 'function', function: { name: index.wireName(String(item.name ?? ''), stringOr(item.namespace)), arguments: args } };
    const signature = original !== undefined ? signatures?.get(original) : undefined;
    if (signature !== undefined) call.extra_content = { google: { thought_signature: signature } };
    assistant().toolCalls.push(call);
  };

  if (typeof body.instructions === 'string' && body.instructions !== '') push({ role: 'system', content: body.instructions });

  const input = body.input;
  if (typeof input === 'string') {
    push({ role: 'user', content: input });
    return out;
  }
  if (!Array.isArray(input)) return out;

  // Thought signatures belong to calls, wherever their reasoning item sits in the history.
  const states = new Map<JsonObject, ReasoningState | undefined>();
  for (const item of input) {
    if (item?.type !== 'reasoning') continue;
    const state = typeof item.encrypted_content === 'string' ? carrier.openState(item.encrypted_content) : undefined;
    states.set(item, state);
    if (signatures && state?.signatures) for (const [id, sig] of Object.entries(state.signatures)) signatures.set(id, sig);
  }

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
          userSide({ role: 'user', content: spec.vision ? userParts(item.content) : partsText(item.content, '\n\n') });
        } else if (role === 'system' || role === 'developer') {
          // Chat providers know `system`; several refuse `developer`.
          userSide({ role: 'system', content: partsText(item.content, '\n\n') });
        }
        break;
      }
      case 'reasoning': {
        const state = states.get(item);
        if (state?.tail) {
          // State known only at the end of its answer: it belongs to the turn it follows.
          if (state.details?.length) {
            if (draft) draft.details.push(...state.details);
            else if (lastAssistant) attachDetails(lastAssistant, state.details, profile);
          }
          break;
        }
        // A reasoning item opens a new assistant turn when the current one already said something.
        if (draft && (draft.content.length > 0 || draft.toolCalls.length > 0)) flushDraft();
        const text = state ? state.text : reasoningText(item);
        const target = assistant();
        if (text) target.reasoning.push(text);
        if (state?.details?.length) target.details.push(...state.details);
        break;
      }
      case 'function_call': {
        const args = item.arguments;
        addCall(item, typeof args === 'string' ? args || '{}' : JSON.stringify(args ?? {}));
        break;
      }
      case 'custom_tool_call':
        // Mirror of the wrapper function declared for custom tools (§1.3).
        addCall(item, JSON.stringify({ input: typeof item.input === 'string' ? item.input : '' }));
        break;
      case 'function_call_output':
      case 'custom_tool_call_output': {
        flushDraft();
        const id = typeof item.call_id === 'string' ? callId(item.call_id) : undefined;
        // An output with no matching call just before it would 400 ("tool must follow tool_calls"): drop it.
        if (id === undefined || !pending.has(id)) break;
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

/** The reasoning of one assistant turn, on its message as the provider wants it back. */
function attachReasoning(message: JsonObject, text: string, details: JsonObject[], thinking: boolean, profile: ChatProfile): void {
  switch (profile.replay) {
    case 'reasoning_content':
    case 'reasoning':
      // In thinking mode DeepSeek 400s when reasoning_content is missing on any assistant message of
      // a user-to-user span that made tool calls, even when the reasoning was empty; "" is the
      // accepted fallback (§4) and is ignored elsewhere, so such a profile puts the field everywhere.
      if (profile.replayRequired ? thinking : text !== '') message[profile.replay] = text;
      break;
    case 'think-tags':
      if (text !== '') message.content = `<think>${text}</think>\n\n${message.content}`;
      break;
    case 'thinking-chunks':
      if (text !== '') message.content = [{ type: 'thinking', thinking: [{ type: 'text', text }] }, ...(message.content === '' ? [] : [{ type: 'text', text: message.content }])];
      break;
    default:
      break;
  }
  if (details.length > 0) attachDetails(message, details, profile);
}

function attachDetails(message: JsonObject, details: JsonObject[], profile: ChatProfile): void {
  if (profile.replay !== 'reasoning_details') return;
  message.reasoning_details = consolidateDetails([...(Array.isArray(message.reasoning_details) ? message.reasoning_details : []), ...details]);
}

/** A reasoning item's text from other clients: `reasoning_text` content parts. */
function reasoningText(item: JsonObject): string | undefined {
  if (!Array.isArray(item.content)) return undefined;
  const text = item.content
    .filter((p: unknown) => p && typeof p === 'object' && (p as JsonObject).type === 'reasoning_text' && typeof (p as JsonObject).text === 'string')
    .map((p: JsonObject) => p.text as string)
    .join('');
  // Foreign encrypted_content (a real OpenAI blob) or nothing at all: the caller falls back to "".
  return text === '' ? undefined : text;
}

/**
 * Tool call ids a provider accepts back: Mistral takes nine letters and digits. Ids it issued pass
 * unchanged; others (another provider's, Codex's own) become a deterministic hash, the same for a
 * call and its result.
 */
function rewriteCallId(profile: ChatProfile): (id: string) => string {
  const { callIdPattern, callIdLength } = profile.tools;
  if (!callIdPattern) return (id) => id;
  return (id) => (callIdPattern.test(id) ? id : createHash('sha256').update(id).digest('base64url').replace(/[^a-zA-Z0-9]/g, '').slice(0, callIdLength ?? 9));
}

/**
 * Text of a string or a part array (text and refusal parts). Images and files cannot go to a text
 * model: a placeholder keeps the gap visible.
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

/** A user message for a model that sees images: Chat `text` and `image_url` parts. */
function userParts(content: unknown): unknown {
  if (!Array.isArray(content) || !content.some((p) => p?.type === 'input_image')) return partsText(content, '\n\n');
  const parts: JsonObject[] = [];
  for (const part of content) {
    if (part?.type === 'input_image' && typeof part.image_url === 'string') parts.push({ type: 'image_url', image_url: { url: part.image_url } });
    else {
      const text = partsText([part], '');
      if (text !== '') parts.push({ type: 'text', text });
    }
  }
  return parts;
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// ---------------------------------------------------------------------------------------------
// Tools and tool_choice (§1.3, §1.1)

function toChatTool(entry: ToolEntry): JsonObject {
  if (entry.custom) return { type: 'function', function: { name: entry.wireName, description: customToolDescription(entry.tool), parameters: customToolParameters() } };
  const { tool } = entry;
  const fn: JsonObject = { name: entry.wireName };
  if (typeof tool.description === 'string') fn.description = tool.description;
  fn.parameters = tool.parameters && typeof tool.parameters === 'object' ? tool.parameters : { type: 'object', properties: {} };
  // `strict` is not forwarded: several providers refuse it or take it only on a beta URL (DeepSeek).
  return { type: 'function', function: fn };
}

function mapToolChoice(choice: unknown, entries: ToolEntry[], index: ToolIndex): unknown {
  if (choice === undefined || choice === null) return undefined;
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (typeof choice !== 'object') return 'auto';
  const c = choice as JsonObject;
  if (c.type === 'allowed_tools') return c.mode === 'required' ? 'required' : 'auto';
  if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') {
    const entry = chosenEntry(entries, index, c.name, c.namespace);
    // Forcing a tool the provider was not given would 400: let the model choose instead.
    return entry ? { type: 'function', function: { name: entry.wireName } } : 'auto';
  }
  // Hosted-tool choices (web_search, file_search, mcp…): those tools were dropped.
  return 'auto';
}

// ---------------------------------------------------------------------------------------------
// text.format → response_format. A provider without json_schema (DeepSeek documents only
// json_object) gets JSON mode plus the schema in the system prompt [design choice, translation.md §1.1].

export function applyTextFormat(format: unknown, chat: JsonObject, messages: JsonObject[], jsonSchema = false): void {
  if (!format || typeof format !== 'object') return;
  const f = format as JsonObject;
  if (f.type === 'json_object') {
    chat.response_format = { type: 'json_object' };
    // JSON mode wants the word "json" in the prompt; add a line only when nobody wrote it.
    if (!messages.some((m) => typeof m.content === 'string' && /json/i.test(m.content))) appendSystem(messages, 'Respond with a JSON object.');
  } else if (f.type === 'json_schema' && jsonSchema) {
    const schema: JsonObject = { name: typeof f.name === 'string' ? f.name : 'response', schema: f.schema ?? {} };
    if (typeof f.description === 'string') schema.description = f.description;
    if (typeof f.strict === 'boolean') schema.strict = f.strict;
    chat.response_format = { type: 'json_schema', json_schema: schema };
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
