/**
 * Anthropic Messages request → the hub (a Responses API request), for a provider that does not
 * speak Messages. Pure: no I/O; throws GatewayError (400) for what the Messages API itself refuses.
 *
 * What crosses, and how (docs/front-doors.md has the whole table):
 * - `system` (string or text blocks) → `instructions`; a `role: "system"` message (Claude Code sends
 *   one) → a `developer` message in place.
 * - text / image / document blocks → input_text / input_image / input_file parts.
 * - `thinking` and `redacted_thinking` blocks → `reasoning` items; the block's `signature` is the
 *   item's id and `encrypted_content` as this door handed them out (signature.ts), so the
 *   provider gets its own reasoning back on the next turn, whichever process serves it.
 * - `tool_use` → `function_call`; `tool_result` → `function_call_output` (an error result says so).
 * - `tools` → function tools; server tools (web search, code execution…) are dropped and named
 *   in the audit annotations; `tool_choice` and `disable_parallel_tool_use` map one to one.
 * - `thinking` / `output_config.effort` → `reasoning.effort`; `max_tokens` → `max_output_tokens`;
 *   `output_config.format` → `text.format`; `metadata.user_id`'s session → `prompt_cache_key`.
 * - `stop_sequences`, `top_k`, `cache_control`, `context_management`: no hub equivalent; dropped.
 */
import { GatewayError } from '../errors.ts';
import type { JsonObject } from '../types.ts';
import { openSignature } from './signature.ts';

export interface MessagesToHub {
  body: JsonObject;
  /** Request features the hub cannot carry, for the audit annotations. */
  dropped: string[];
}

const ROLES = new Set(['user', 'assistant', 'system']);

export function messagesToHub(body: JsonObject): MessagesToHub {
  checkTopLevel(body);
  const dropped = new Set<string>();
  const hub: JsonObject = {
    model: body.model,
    input: toItems(body.messages, dropped),
    max_output_tokens: body.max_tokens,
    stream: body.stream === true,
    // Stateless replay: the provider's reasoning comes back inside the thinking block's signature.
    store: false,
    include: ['reasoning.encrypted_content'],
  };
  const instructions = systemText(body.system);
  if (instructions !== undefined) hub.instructions = instructions;

  const tools = toTools(body.tools, dropped);
  if (tools.length > 0) {
    hub.tools = tools;
    const choice = toToolChoice(body.tool_choice, tools);
    if (choice !== undefined) hub.tool_choice = choice;
    if (body.tool_choice?.disable_parallel_tool_use === true) hub.parallel_tool_calls = false;
  } else if (body.tool_choice?.type === 'none') hub.tool_choice = 'none';

  const effort = effortOf(body);
  if (effort) hub.reasoning = { effort };
  if (typeof body.temperature === 'number') hub.temperature = body.temperature;
  if (typeof body.top_p === 'number') hub.top_p = body.top_p;
  const format = body.output_config?.format;
  if (format && typeof format === 'object' && format.type === 'json_schema' && format.schema && typeof format.schema === 'object') {
    hub.text = { format: { type: 'json_schema', name: 'output', schema: format.schema, strict: true } };
  }
  const cacheKey = sessionOf(body.metadata);
  if (cacheKey) hub.prompt_cache_key = cacheKey;
  for (const field of ['stop_sequences', 'top_k', 'context_management', 'container', 'mcp_servers', 'service_tier']) {
    if (body[field] !== undefined) dropped.add(field);
  }
  return { body: hub, dropped: [...dropped] };
}

function invalid(message: string, param: string | null = null): GatewayError {
  return new GatewayError('AURORA_ERR_INVALID_PARAM', { message, param });
}

function checkTopLevel(body: JsonObject): void {
  if (body.max_tokens === undefined) throw new GatewayError('AURORA_ERR_MISSING_PARAM', { args: ['max_tokens'], param: 'max_tokens' });
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) throw invalid('max_tokens: must be a positive integer', 'max_tokens');
  if (!Array.isArray(body.messages)) throw invalid('messages: must be an array of messages', 'messages');
  if (body.messages.length === 0) throw invalid('messages: at least one message is required', 'messages');
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) throw invalid('system: must be a string or an array of text blocks', 'system');
  if (body.tools !== undefined && !Array.isArray(body.tools)) throw invalid('tools: must be an array', 'tools');
  if (body.thinking !== undefined && (typeof body.thinking !== 'object' || body.thinking === null)) throw invalid('thinking: must be an object', 'thinking');
}

// -----------------------------------------------------------------------------------------------
// Messages and content blocks

function toItems(messages: unknown[], dropped: Set<string>): JsonObject[] {
  const items: JsonObject[] = [];
  // tool_use ids of the last assistant turn still waiting for their tool_result.
  let open = new Set<string>();
  messages.forEach((raw, i) => {
    const at = `messages.${i}`;
    if (!raw || typeof raw !== 'object') throw invalid(`${at}: must be a message object`, at);
    const message = raw as JsonObject;
    if (!ROLES.has(message.role)) throw invalid(`${at}.role: must be "user" or "assistant"`, `${at}.role`);
    const blocks = contentBlocks(message.content, `${at}.content`);
    if (message.role === 'assistant') {
      if (open.size > 0) throw missingResults(open, i);
      open = assistantItems(blocks, at, items, dropped);
    } else if (message.role === 'system') {
      items.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text: textOf(blocks) }] });
    } else {
      open = userItems(blocks, at, items, open, dropped);
    }
  });
  return items;
}

function missingResults(open: Set<string>, index: number): GatewayError {
  return invalid(`messages.${index}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${[...open].join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`, `messages.${index}`);
}

function contentBlocks(content: unknown, at: string): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw invalid(`${at}: must be a string or an array of content blocks`, at);
  content.forEach((block, j) => {
    if (!block || typeof block !== 'object' || typeof (block as JsonObject).type !== 'string') throw invalid(`${at}.${j}: must be a content block with a "type"`, `${at}.${j}`);
  });
  return content as JsonObject[];
}

function assistantItems(blocks: JsonObject[], at: string, items: JsonObject[], dropped: Set<string>): Set<string> {
  const calls = new Set<string>();
  let text: string[] = [];
  const flushText = () => {
    if (text.length === 0) return;
    items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: text.join('') }] });
    text = [];
  };
  blocks.forEach((block, j) => {
    const where = `${at}.content.${j}`;
    switch (block.type) {
      case 'text':
        text.push(String(block.text ?? ''));
        break;
      case 'thinking':
      case 'redacted_thinking': {
        flushText();
        const carried = openSignature(block.type === 'thinking' ? block.signature : block.data);
        const summary = block.type === 'thinking' && typeof block.thinking === 'string' && block.thinking !== '' ? [{ type: 'summary_text', text: block.thinking }] : [];
        // Nothing to replay (a signature this door did not hand out, and no text): leave it out.
        if (!carried && summary.length === 0) break;
        items.push({ type: 'reasoning', ...(carried?.id ? { id: carried.id } : {}), summary, encrypted_content: carried?.encrypted ?? null });
        break;
      }
      case 'tool_use':
      case 'server_tool_use': {
        if (block.type === 'server_tool_use') {
          dropped.add(`server tool call ${block.name ?? ''}`.trim());
          break;
        }
        if (typeof block.id !== 'string' || block.id === '' || typeof block.name !== 'string') throw invalid(`${where}: a tool_use block needs an id and a name`, where);
        flushText();
        items.push({ type: 'function_call', call_id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
        calls.add(block.id);
        break;
      }
      case 'web_search_tool_result':
      case 'code_execution_tool_result':
      case 'mcp_tool_use':
      case 'mcp_tool_result':
        dropped.add(block.type);
        break;
      default:
        throw invalid(`${where}.type: "${block.type}" is not a content block an assistant message can hold here`, `${where}.type`);
    }
  });
  flushText();
  return calls;
}

function userItems(blocks: JsonObject[], at: string, items: JsonObject[], open: Set<string>, dropped: Set<string>): Set<string> {
  let parts: JsonObject[] = [];
  const flushParts = () => {
    if (parts.length === 0) return;
    items.push({ type: 'message', role: 'user', content: parts });
    parts = [];
  };
  blocks.forEach((block, j) => {
    const where = `${at}.content.${j}`;
    switch (block.type) {
      case 'text':
        parts.push({ type: 'input_text', text: String(block.text ?? '') });
        break;
      case 'image':
      case 'document': {
        const part = mediaPart(block, where);
        if (part) parts.push(part);
        else dropped.add(`${block.type} source ${block.source?.type ?? ''}`.trim());
        break;
      }
      case 'tool_result': {
        const id = block.tool_use_id;
        if (typeof id !== 'string' || !open.has(id)) {
          throw invalid(`${where}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`, where);
        }
        open.delete(id);
        flushParts();
        items.push({ type: 'function_call_output', call_id: id, output: toolOutput(block, where) });
        break;
      }
      case 'search_result':
        parts.push({ type: 'input_text', text: textOf(Array.isArray(block.content) ? block.content : []) });
        break;
      default:
        throw invalid(`${where}.type: "${block.type}" is not a content block a user message can hold`, `${where}.type`);
    }
  });
  if (open.size > 0) throw missingResults(open, Number(at.split('.')[1]));
  flushParts();
  return new Set();
}

/** A tool_result's content as the hub's output: text, or parts when it carries images. */
function toolOutput(block: JsonObject, where: string): string | JsonObject[] {
  const prefix = block.is_error === true ? 'Error: ' : '';
  if (block.content === undefined || block.content === null) return prefix || '';
  if (typeof block.content === 'string') return prefix + block.content;
  const blocks = contentBlocks(block.content, `${where}.content`);
  if (!blocks.some((b) => b.type === 'image' || b.type === 'document')) return prefix + textOf(blocks);
  const parts: JsonObject[] = prefix ? [{ type: 'input_text', text: prefix.trim() }] : [];
  for (const b of blocks) {
    if (b.type === 'text') parts.push({ type: 'input_text', text: String(b.text ?? '') });
    else {
      const part = mediaPart(b, where);
      if (part) parts.push(part);
    }
  }
  return parts;
}

/** An image or a PDF as a hub part; undefined for a source the hub cannot point at (a Files API id). */
function mediaPart(block: JsonObject, where: string): JsonObject | undefined {
  const source = block.source;
  if (!source || typeof source !== 'object') throw invalid(`${where}.source: required`, `${where}.source`);
  if (block.type === 'image') {
    if (source.type === 'base64') return { type: 'input_image', image_url: `data:${source.media_type};base64,${source.data}`, detail: 'auto' };
    if (source.type === 'url') return { type: 'input_image', image_url: source.url, detail: 'auto' };
    return undefined;
  }
  if (source.type === 'base64') return { type: 'input_file', filename: block.title ?? 'document.pdf', file_data: `data:${source.media_type};base64,${source.data}` };
  if (source.type === 'url') return { type: 'input_file', file_url: source.url };
  if (source.type === 'text') return { type: 'input_text', text: String(source.data ?? '') };
  return undefined;
}

/** The text of text blocks (other block kinds carry none). */
function textOf(blocks: JsonObject[]): string {
  return blocks.filter((b) => b.type === 'text' && typeof b.text === 'string').map((b) => b.text as string).join('\n\n');
}

function systemText(system: unknown): string | undefined {
  if (system === undefined || system === null) return undefined;
  if (typeof system === 'string') return system;
  return textOf(contentBlocks(system, 'system'));
}

// -----------------------------------------------------------------------------------------------
// Tools

function toTools(tools: unknown[] | undefined, dropped: Set<string>): JsonObject[] {
  const out: JsonObject[] = [];
  (tools ?? []).forEach((tool, i) => {
    if (!tool || typeof tool !== 'object') throw invalid(`tools.${i}: must be a tool object`, `tools.${i}`);
    const t = tool as JsonObject;
    // Server tools (web_search_20250305, code_execution_…, bash_…, text_editor_…) carry a versioned type: the provider cannot run them.
    if (t.type !== undefined && t.type !== 'custom') {
      dropped.add(`tool ${t.name ?? t.type}`);
      return;
    }
    if (typeof t.name !== 'string' || t.name === '') throw invalid(`tools.${i}.name: required`, `tools.${i}.name`);
    const fn: JsonObject = { type: 'function', name: t.name, parameters: t.input_schema && typeof t.input_schema === 'object' ? t.input_schema : { type: 'object', properties: {} } };
    if (typeof t.description === 'string') fn.description = t.description;
    if (t.strict === true) fn.strict = true;
    out.push(fn);
  });
  return out;
}

function toToolChoice(choice: unknown, tools: JsonObject[]): unknown {
  if (!choice || typeof choice !== 'object') return undefined;
  const c = choice as JsonObject;
  switch (c.type) {
    case 'auto':
      return 'auto';
    case 'any':
      return 'required';
    case 'none':
      return 'none';
    case 'tool':
      return tools.some((t) => t.name === c.name) ? { type: 'function', name: c.name } : 'required';
    default:
      return undefined;
  }
}

// -----------------------------------------------------------------------------------------------
// Reasoning effort

/**
 * The hub effort for the request's thinking settings: `disabled` → none; a budget → the effort
 * whose usual budget it is (Claude Code's default 31,999 → high); adaptive thinking → its
 * `output_config.effort` (`max` becomes the hub's top, `xhigh`). No thinking field: none asked.
 */
export function effortOf(body: JsonObject): string | undefined {
  const thinking = body.thinking as JsonObject | undefined;
  const stated = body.output_config?.effort;
  if (thinking?.type === 'disabled') return 'none';
  if (typeof stated === 'string') return stated === 'max' ? 'xhigh' : stated;
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number') {
    const budget = thinking.budget_tokens;
    return budget <= 4096 ? 'low' : budget <= 16384 ? 'medium' : budget <= 32000 ? 'high' : 'xhigh';
  }
  if (thinking?.type === 'adaptive') return 'medium';
  return undefined;
}

/** Claude Code's `metadata.user_id` is a JSON string with a `session_id`: a stable cache key per session. */
function sessionOf(metadata: unknown): string | undefined {
  const userId = (metadata as JsonObject | undefined)?.user_id;
  if (typeof userId !== 'string' || userId === '') return undefined;
  try {
    const parsed = JSON.parse(userId) as JsonObject;
    if (typeof parsed?.session_id === 'string' && parsed.session_id !== '') return parsed.session_id.slice(0, 64);
  } catch {
    // a plain user id: not a session, no cache key
  }
  return undefined;
}
