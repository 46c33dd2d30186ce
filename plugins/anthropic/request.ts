/**
 * Request direction: the hub (an OpenAI Responses body: what Codex sends, or what the core made of
 * a Chat Completions request) → an Anthropic Messages body. Pure: no I/O; throws only GatewayError
 * (4xx) for requests it cannot serve.
 *
 * The rules that keep Anthropic from answering 400 mid-conversation: turns alternate user /
 * assistant; every tool_use is answered by a tool_result at the start of the next user turn (all
 * results of parallel calls in that one turn, in call order, before any text); thinking blocks go
 * back exactly as Claude produced them, in their place in the turn, and never last in it; only
 * client tools are declared; thinking, effort, sampling and tool_choice are what the model takes
 * (models.ts, thinking.ts).
 */
import { allowedEntries, buildToolIndex, chosenEntry, rejectUnsupported, type ToolEntry, type ToolIndex } from 'aurora/plugins/chat-bridge';
import type { JsonObject } from 'aurora';
import { placeCacheBreakpoints } from './cache.ts';
import { openThinking, type ThinkingBlock } from './carrier.ts';
import type { ClaudeProfile } from './models.ts';
import { canTurnOff, planThinking, type ThinkingPlan } from './thinking.ts';
import { customToolDefinition } from './tools.ts';

export interface MessagesRequestOptions {
  /** The Claude model id sent upstream. */
  model: string;
  profile: ClaudeProfile;
  /** The request's tool index, when the caller built it already. */
  tools?: ToolIndex;
}

/** What the translation could not carry, for `ctx.annotations.anthropic`. */
export interface TranslationNotes {
  /** Request features Claude was not given (hosted tools, unreadable reasoning, files by id…). */
  dropped: string[];
  /** Settings changed so the model would take the request (thinking, tool_choice, sampling). */
  adjusted: string[];
}

/** Result of a tool call that was never answered (an interrupted turn); the word Codex itself uses. */
export const ABORTED = 'aborted';

const DEFAULT_SCHEMA = { type: 'object', properties: {} };
const VALID_ID = /^[a-zA-Z0-9_-]+$/;

export function toMessagesRequest(hub: JsonObject, opts: MessagesRequestOptions): { body: JsonObject; notes: TranslationNotes } {
  rejectUnsupported(hub, 'Claude');
  const notes: TranslationNotes = { dropped: [], adjusted: [] };
  const { profile } = opts;
  const index = opts.tools ?? buildToolIndex(hub.tools);
  noteHostedTools(hub.tools, notes);

  const system: JsonObject[] = [];
  const turns = toTurns(hub, index, opts.model, system, notes);

  const maxTokens = Number.isInteger(hub.max_output_tokens) && hub.max_output_tokens > 0 ? (hub.max_output_tokens as number) : profile.maxTokens;
  const summary = hub.reasoning?.summary;
  let plan = planThinking(profile, hub.reasoning?.effort, { maxTokens, summarized: typeof summary === 'string' && summary !== 'none' });
  if (plan.note) notes.adjusted.push(plan.note);
  plan = keepThinkingTurnValid(plan, profile, turns, notes);
  if (!plan.on) stripFinalThinking(turns);

  const body: JsonObject = { model: opts.model, max_tokens: maxTokens, messages: turns };
  if (system.length > 0) body.system = system;
  if (plan.thinking) body.thinking = plan.thinking;
  const outputConfig: JsonObject = {};
  if (plan.effort) outputConfig.effort = plan.effort;

  // Tools: an allowed_tools choice narrows the declared set; without servable tools, neither tools
  // nor tool_choice (Codex's compaction request sends `tools: []` with `tool_choice: "auto"`).
  const choice = hub.tool_choice;
  let entries = index.entries;
  if (choice && typeof choice === 'object' && choice.type === 'allowed_tools') entries = allowedEntries(entries, choice.tools);
  if (entries.length > 0) {
    body.tools = entries.map((e) => toTool(e, profile));
    const mapped = mapToolChoice(choice, entries, index, profile, plan, notes);
    if (hub.parallel_tool_calls === false && mapped.type !== 'none') mapped.disable_parallel_tool_use = true;
    if (mapped.type !== 'auto' || mapped.disable_parallel_tool_use) body.tool_choice = mapped;
  } else {
    declareHistoryTools(turns, body, notes);
  }

  applyTextFormat(hub.text?.format, profile, outputConfig, body, notes);
  if (Object.keys(outputConfig).length > 0) body.output_config = outputConfig;
  applySampling(hub, profile, plan, body, notes);

  const user = typeof hub.safety_identifier === 'string' && hub.safety_identifier !== '' ? hub.safety_identifier : typeof hub.user === 'string' && hub.user !== '' ? hub.user : undefined;
  if (user) body.metadata = { user_id: user.slice(0, 256) };
  body.stream = hub.stream === true;
  placeCacheBreakpoints(body);
  // Everything else (store, include, prompt_cache_key, reasoning.summary as such, text.verbosity,
  // service_tier, truncation, metadata, …) has no Messages counterpart and is left out.
  return { body, notes };
}

// ---------------------------------------------------------------------------------------------
// Input items → system blocks and alternating turns

interface Turn {
  role: 'user' | 'assistant';
  content: JsonObject[];
}

type Side = 'assistant' | 'user' | 'system' | 'other';

function sideOf(item: JsonObject): Side {
  const type = item.type ?? (typeof item.role === 'string' ? 'message' : undefined);
  if (type === 'message') {
    if (item.role === 'assistant') return 'assistant';
    if (item.role === 'user') return 'user';
    if (item.role === 'system' || item.role === 'developer') return 'system';
    return 'other';
  }
  if (type === 'reasoning' || type === 'function_call' || type === 'custom_tool_call') return 'assistant';
  if (type === 'function_call_output' || type === 'custom_tool_call_output') return 'user';
  // Hosted-tool items (web_search_call, local_shell_call…), compaction, item_reference: Claude has
  // no counterpart; dropping them keeps the request valid.
  return 'other';
}

function toTurns(hub: JsonObject, index: ToolIndex, model: string, system: JsonObject[], notes: TranslationNotes): Turn[] {
  const addSystem = (text: string) => void (text !== '' && system.push({ type: 'text', text }));
  if (typeof hub.instructions === 'string') addSystem(hub.instructions);

  const input = hub.input;
  if (typeof input === 'string') return input === '' ? [] : [{ role: 'user', content: [{ type: 'text', text: input }] }];

  // Consecutive items of one side form one turn: a response's reasoning, text and calls are one
  // assistant message on Anthropic's side, in the order Claude produced them.
  const groups: Array<{ side: 'assistant' | 'user'; items: JsonObject[] }> = [];
  for (const item of input as unknown[]) {
    if (!item || typeof item !== 'object') continue;
    const it = item as JsonObject;
    const side = sideOf(it);
    if (side === 'system') addSystem(partsText(it.content));
    else if (side === 'other') noteDropped(notes, `item ${String(it.type ?? 'unknown')}`);
    else if (groups.at(-1)?.side === side) groups.at(-1)!.items.push(it);
    else groups.push({ side, items: [it] });
  }

  const turns: Turn[] = [];
  const ids = new CallIds();
  // tool_use ids of the last assistant turn, in call order, until the next user turn answers them.
  let pending: string[] = [];
  const closePending = (leading: JsonObject[] = []) => {
    if (pending.length === 0) return leading;
    const results = pending.map((id) => leading.find((b) => b.type === 'tool_result' && b.tool_use_id === id) ?? { type: 'tool_result', tool_use_id: id, content: ABORTED });
    pending = [];
    return results;
  };

  for (const group of groups) {
    if (group.side === 'assistant') {
      const content = assistantBlocks(group.items, index, model, ids, notes);
      if (content.length === 0) continue;
      // Calls of an earlier assistant turn nobody answered: closed before the next turn.
      if (pending.length > 0) turns.push({ role: 'user', content: closePending() });
      pending = content.filter((b) => b.type === 'tool_use').map((b) => b.id as string);
      push(turns, { role: 'assistant', content });
    } else {
      const { results, content } = userBlocks(group.items, new Set(pending), ids, notes);
      const answered = closePending(results);
      const all = [...answered, ...content];
      if (all.length > 0) push(turns, { role: 'user', content: all });
    }
  }
  if (pending.length > 0) turns.push({ role: 'user', content: closePending() });
  return turns;
}

/** Consecutive turns of one role become one (the API wants them alternating). */
function push(turns: Turn[], turn: Turn): void {
  const last = turns.at(-1);
  if (last?.role === turn.role) last.content.push(...turn.content);
  else turns.push(turn);
}

/** Call ids as the API takes them (`^[a-zA-Z0-9_-]+$`), the same one for a call and its output. */
class CallIds {
  private readonly map = new Map<string, string>();
  private generated = 0;
  of(raw: unknown): string {
    const key = typeof raw === 'string' && raw !== '' ? raw : `missing_${this.generated++}`;
    let id = this.map.get(key);
    if (!id) {
      id = VALID_ID.test(key) ? key : key.replace(/[^a-zA-Z0-9_-]/g, '_');
      this.map.set(key, id);
    }
    return id;
  }
  known(raw: unknown): string | undefined {
    return typeof raw === 'string' ? this.map.get(raw) : undefined;
  }
}

function assistantBlocks(items: JsonObject[], index: ToolIndex, model: string, ids: CallIds, notes: TranslationNotes): JsonObject[] {
  const out: JsonObject[] = [];
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'reasoning') {
      const blocks = replayedThinking(item, model, notes);
      if (blocks) out.push(...blocks);
    } else if (type === 'message') {
      // Joined as Claude wrote it: an answer replayed verbatim keeps the prefix its thinking is bound to.
      const text = partsText(item.content, '');
      if (text !== '') out.push({ type: 'text', text });
    } else if (type === 'function_call') {
      out.push({ type: 'tool_use', id: ids.of(item.call_id ?? item.id), name: index.wireName(String(item.name ?? ''), stringOr(item.namespace)), input: toolInput(item.arguments) });
    } else if (type === 'custom_tool_call') {
      // Mirror of the one-string tool declared for custom tools.
      out.push({ type: 'tool_use', id: ids.of(item.call_id ?? item.id), name: index.wireName(String(item.name ?? ''), stringOr(item.namespace)), input: { input: typeof item.input === 'string' ? item.input : '' } });
    }
  }
  // "The final block in an assistant message cannot be `thinking`": an interrupted turn's
  // reasoning, with nothing after it, has nothing to precede.
  while (out.length > 0 && isThinking(out.at(-1)!)) out.pop();
  return out;
}

function isThinking(block: JsonObject): boolean {
  return block.type === 'thinking' || block.type === 'redacted_thinking';
}

/** The thinking blocks a reasoning item carries, if this plugin wrote them for this model. */
function replayedThinking(item: JsonObject, model: string, notes: TranslationNotes): ThinkingBlock[] | undefined {
  const carried = openThinking(item.encrypted_content);
  if (!carried) {
    // Another provider's blob, or reasoning text with no signature: Anthropic would refuse it.
    noteDropped(notes, 'reasoning without Claude thinking blocks');
    return undefined;
  }
  if (carried.model !== model) {
    // Newer models refuse thinking another model produced; none of them needs it to go on.
    noteDropped(notes, `thinking of ${carried.model}`);
    return undefined;
  }
  return carried.blocks;
}

/** A function call's arguments as the object a tool_use block needs. */
function toolInput(args: unknown): JsonObject {
  if (args && typeof args === 'object' && !Array.isArray(args)) return args as JsonObject;
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(args);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as JsonObject;
    return { input: parsed };
  } catch {
    // Broken JSON from a model: kept whole rather than lost.
    return { input: args };
  }
}

function userBlocks(items: JsonObject[], pending: Set<string>, ids: CallIds, notes: TranslationNotes): { results: JsonObject[]; content: JsonObject[] } {
  const results: JsonObject[] = [];
  const content: JsonObject[] = [];
  for (const item of items) {
    const type = item.type ?? 'message';
    if (type === 'message') {
      content.push(...contentBlocks(item.content, notes));
      continue;
    }
    const id = ids.known(item.call_id);
    // An output for no call of the turn just before would be refused ("unexpected tool_use_id"):
    // it is dropped, as is a second output for one call.
    if (!id || !pending.has(id) || results.some((r) => r.tool_use_id === id)) {
      noteDropped(notes, 'tool output without its call');
      continue;
    }
    const result: JsonObject = { type: 'tool_result', tool_use_id: id };
    const output = typeof item.output === 'string' ? (item.output === '' ? [] : [{ type: 'text', text: item.output }]) : contentBlocks(item.output, notes);
    if (output.length === 1 && output[0]!.type === 'text') result.content = output[0]!.text;
    else if (output.length > 0) result.content = output;
    results.push(result);
  }
  return { results, content };
}

/** Responses content (a string or parts) → Messages content blocks; empty text is left out (the API refuses it). */
function contentBlocks(content: unknown, notes: TranslationNotes): JsonObject[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [];
  const out: JsonObject[] = [];
  for (const part of content) {
    if (!part || typeof part !== 'object') continue;
    const p = part as JsonObject;
    if (typeof p.text === 'string') {
      if (p.text !== '') out.push({ type: 'text', text: p.text });
    } else if (typeof p.refusal === 'string') {
      if (p.refusal !== '') out.push({ type: 'text', text: p.refusal });
    } else if (p.type === 'input_image') {
      const block = imageBlock(p);
      if (block) out.push(block);
      else noteDropped(notes, 'image given by file id');
    } else if (p.type === 'input_file') {
      const block = documentBlock(p);
      if (block) out.push(block);
      else noteDropped(notes, `file ${typeof p.filename === 'string' ? p.filename : 'given by file id'}`);
    }
  }
  return out;
}

const DATA_URL = /^data:([^;,]+)(;base64)?,(.*)$/s;

function imageBlock(part: JsonObject): JsonObject | undefined {
  const url = typeof part.image_url === 'string' ? part.image_url : typeof part.image_url?.url === 'string' ? part.image_url.url : undefined;
  if (!url) return undefined;
  const data = DATA_URL.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] ? data[3] : Buffer.from(decodeURIComponent(data[3]!)).toString('base64') } };
  return /^https?:\/\//.test(url) ? { type: 'image', source: { type: 'url', url } } : undefined;
}

function documentBlock(part: JsonObject): JsonObject | undefined {
  const title = typeof part.filename === 'string' && part.filename !== '' ? { title: part.filename } : {};
  if (typeof part.file_data === 'string') {
    const data = DATA_URL.exec(part.file_data);
    if (!data) return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: part.file_data }, ...title };
    if (data[1]!.startsWith('text/')) {
      const text = data[2] ? Buffer.from(data[3]!, 'base64').toString('utf8') : decodeURIComponent(data[3]!);
      return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: text }, ...title };
    }
    return { type: 'document', source: { type: 'base64', media_type: data[1], data: data[3] }, ...title };
  }
  if (typeof part.file_url === 'string' && /^https?:\/\//.test(part.file_url)) return { type: 'document', source: { type: 'url', url: part.file_url }, ...title };
  return undefined;
}

/** The text of a string or a part array (system and assistant messages carry text only). */
function partsText(content: unknown, separator = '\n\n'): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: unknown) => (p && typeof p === 'object' ? ((p as JsonObject).text ?? (p as JsonObject).refusal) : undefined))
    .filter((t: unknown): t is string => typeof t === 'string' && t !== '')
    .join(separator);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function noteDropped(notes: TranslationNotes, what: string): void {
  if (!notes.dropped.includes(what)) notes.dropped.push(what);
}

// ---------------------------------------------------------------------------------------------
// Thinking rules that depend on the turns

/**
 * With thinking on, the assistant turn in progress (since the last user message that is not just
 * tool results) must open with its thinking once it has used a tool. It cannot when that thinking
 * was dropped (another provider's, another model's) or never made (a turn run with thinking off):
 * then thinking is turned off for this request where the model allows it, which the API accepts
 * ("To avoid this requirement, disable `thinking`").
 */
function keepThinkingTurnValid(plan: ThinkingPlan, profile: ClaudeProfile, turns: Turn[], notes: TranslationNotes): ThinkingPlan {
  if (!plan.on) return plan;
  let start = 0;
  turns.forEach((t, i) => {
    if (t.role === 'user' && !t.content.some((b) => b.type === 'tool_result')) start = i + 1;
  });
  const current = turns.slice(start).filter((t) => t.role === 'assistant');
  if (!current.some((t) => t.content.some((b) => b.type === 'tool_use'))) return plan;
  if (isThinking(current[0]!.content[0]!)) return plan;
  if (!canTurnOff(profile)) {
    // Nothing to do but say so: Anthropic may refuse the request (finish the tool turn on the
    // model that started it, or start a new turn).
    notes.adjusted.push(`the tool turn in progress has no Claude thinking to replay, and ${profile.model} cannot turn thinking off`);
    return plan;
  }
  notes.adjusted.push('thinking off: the tool turn in progress has no Claude thinking to replay');
  const off: ThinkingPlan = profile.off === 'disabled' ? { thinking: { type: 'disabled' }, on: false } : { on: false };
  // Thinking off takes at most effort high (Opus 5, Sonnet 5).
  if (plan.effort) off.effort = plan.effort === 'xhigh' || plan.effort === 'max' ? 'high' : plan.effort;
  return off;
}

/** With thinking off, a final (prefilled) assistant message may not hold thinking. */
function stripFinalThinking(turns: Turn[]): void {
  const last = turns.at(-1);
  if (last?.role !== 'assistant') return;
  last.content = last.content.filter((b) => !isThinking(b));
  if (last.content.length === 0) turns.pop();
}

// ---------------------------------------------------------------------------------------------
// Tools and tool_choice

const SERVED = new Set(['function', 'custom', 'namespace']);

function noteHostedTools(tools: unknown, notes: TranslationNotes): void {
  if (!Array.isArray(tools)) return;
  for (const tool of tools) {
    if (tool && typeof tool === 'object' && !SERVED.has(tool.type)) noteDropped(notes, `tool ${String(tool.name ?? tool.type)}`);
  }
}

function toTool(entry: ToolEntry, profile: ClaudeProfile): JsonObject {
  if (entry.custom) return customToolDefinition(entry.wireName, entry.tool);
  const { tool } = entry;
  const out: JsonObject = { name: entry.wireName };
  if (typeof tool.description === 'string' && tool.description !== '') out.description = tool.description;
  const schema = tool.parameters && typeof tool.parameters === 'object' && !Array.isArray(tool.parameters) ? tool.parameters : DEFAULT_SCHEMA;
  // The API takes only object schemas.
  out.input_schema = schema.type === 'object' ? schema : DEFAULT_SCHEMA;
  // Strict tool use exists where structured outputs do.
  if (tool.strict === true && profile.structuredOutputs) out.strict = true;
  return out;
}

/**
 * The API refuses tool_use and tool_result blocks in a request that declares no tools (Codex's
 * compaction request sends `tools: []` with the whole history). The tools the history used are
 * declared with an open schema, and `tool_choice: none` keeps the model from calling them.
 */
function declareHistoryTools(turns: Turn[], body: JsonObject, notes: TranslationNotes): void {
  const names = new Set<string>();
  for (const turn of turns) for (const b of turn.content) if (b.type === 'tool_use' && typeof b.name === 'string') names.add(b.name);
  if (names.size === 0) return;
  body.tools = [...names].map((name) => ({ name, description: 'A tool used earlier in this conversation; not available now.', input_schema: { type: 'object', properties: {} } }));
  body.tool_choice = { type: 'none' };
  notes.adjusted.push('tools of the history declared with tool_choice none: the request declares no tools');
}

/**
 * `auto` / `none` / `required` / `{type: function}` / `allowed_tools` → `auto` / `none` / `any` /
 * `tool`. Forcing a tool is refused with thinking on (every model) and by the newest models at
 * all: those requests get `auto`, and the audit record says so.
 */
function mapToolChoice(choice: unknown, entries: ToolEntry[], index: ToolIndex, profile: ClaudeProfile, plan: ThinkingPlan, notes: TranslationNotes): JsonObject {
  let forced: JsonObject | undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'required') forced = { type: 'any' };
  else if (choice && typeof choice === 'object') {
    const c = choice as JsonObject;
    if (c.type === 'allowed_tools' && c.mode === 'required') forced = { type: 'any' };
    else if ((c.type === 'function' || c.type === 'custom') && typeof c.name === 'string') {
      const entry = chosenEntry(entries, index, c.name, c.namespace);
      // Forcing a tool Claude was not given would be refused: let the model choose instead.
      if (entry) forced = { type: 'tool', name: entry.wireName };
    }
  }
  if (!forced) return { type: 'auto' };
  if (plan.on || !profile.forcedToolChoice) {
    notes.adjusted.push(`tool_choice ${forced.type === 'tool' ? `${forced.name}` : 'required'} sent as auto: ${profile.forcedToolChoice ? 'thinking is on' : `${profile.model} refuses a forced tool`}`);
    return { type: 'auto' };
  }
  return forced;
}

// ---------------------------------------------------------------------------------------------
// text.format, sampling

function applyTextFormat(format: unknown, profile: ClaudeProfile, outputConfig: JsonObject, body: JsonObject, notes: TranslationNotes): void {
  if (!format || typeof format !== 'object') return;
  const f = format as JsonObject;
  if (f.type === 'json_schema' && f.schema && typeof f.schema === 'object') {
    if (profile.structuredOutputs) {
      outputConfig.format = { type: 'json_schema', schema: f.schema };
      return;
    }
    let hint = 'Respond with a single JSON object, with no prose and no Markdown fences, that matches this JSON schema';
    if (typeof f.name === 'string') hint += ` (${f.name})`;
    hint += `:\n${JSON.stringify(f.schema)}`;
    if (typeof f.description === 'string') hint = `${f.description}\n${hint}`;
    appendSystem(body, hint);
    notes.adjusted.push(`text.format json_schema as an instruction: ${profile.model} has no structured outputs`);
  } else if (f.type === 'json_object') {
    appendSystem(body, 'Respond with a single JSON object, with no prose and no Markdown fences.');
  }
}

function appendSystem(body: JsonObject, text: string): void {
  body.system = [...(Array.isArray(body.system) ? body.system : []), { type: 'text', text }];
}

/**
 * `temperature` / `top_p`: the newest models refuse them at any value; with thinking on, only
 * `temperature: 1` and `top_p` in [0.95, 1] are taken; some models refuse both together, so at
 * most one is sent (`temperature` first).
 */
function applySampling(hub: JsonObject, profile: ClaudeProfile, plan: ThinkingPlan, body: JsonObject, notes: TranslationNotes): void {
  const temperature = typeof hub.temperature === 'number' ? hub.temperature : undefined;
  const topP = typeof hub.top_p === 'number' ? hub.top_p : undefined;
  if (temperature === undefined && topP === undefined) return;
  if (!profile.sampling) {
    notes.adjusted.push(`temperature/top_p left out: ${profile.model} takes no sampling parameters`);
    return;
  }
  if (temperature !== undefined) {
    if (!plan.on || temperature === 1) body.temperature = Math.min(1, Math.max(0, temperature));
    else notes.adjusted.push('temperature left out: thinking is on');
  }
  if (topP !== undefined) {
    if (body.temperature !== undefined) notes.adjusted.push('top_p left out: temperature is sent');
    else if (!plan.on || (topP >= 0.95 && topP <= 1)) body.top_p = topP;
    else notes.adjusted.push('top_p left out: thinking is on');
  }
}
