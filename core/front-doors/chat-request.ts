/**
 * Chat Completions request → the hub (a Responses API request), for a provider that does not take
 * Chat (the anthropic plugin, a Responses-only server). Pure; throws GatewayError (400) for what the
 * hub cannot carry at all. docs/front-doors.md has the table.
 */
import { GatewayError } from '../errors.ts';
import type { JsonObject } from '../types.ts';

export interface ChatToHub {
  body: JsonObject;
  /** Request features the hub cannot carry, for the audit annotations. */
  dropped: string[];
}

export function chatToHub(body: JsonObject): ChatToHub {
  const dropped = new Set<string>();
  if (typeof body.n === 'number' && body.n > 1) {
    throw new GatewayError('AURORA_ERR_INVALID_PARAM', { param: 'n', message: 'n > 1 is not supported for this model: it is served through the Responses API, which answers one choice. Send n: 1 (or leave it out).' });
  }
  const { instructions, items } = toItems(body.messages, dropped);
  const hub: JsonObject = {
    model: body.model,
    input: items,
    stream: body.stream === true,
    store: false,
    include: ['reasoning.encrypted_content'],
  };
  if (instructions !== undefined) hub.instructions = instructions;
  const tools = toTools(body.tools, dropped);
  if (tools.length > 0) {
    hub.tools = tools;
    const choice = toToolChoice(body.tool_choice);
    if (choice !== undefined) hub.tool_choice = choice;
    if (typeof body.parallel_tool_calls === 'boolean') hub.parallel_tool_calls = body.parallel_tool_calls;
  } else if (body.tool_choice === 'none') hub.tool_choice = 'none';
  if (typeof body.reasoning_effort === 'string') hub.reasoning = { effort: body.reasoning_effort };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (Number.isInteger(maxTokens) && maxTokens > 0) hub.max_output_tokens = maxTokens;
  if (typeof body.temperature === 'number') hub.temperature = body.temperature;
  if (typeof body.top_p === 'number') hub.top_p = body.top_p;
  const format = textFormat(body.response_format);
  if (format) hub.text = { format };
  if (typeof body.prompt_cache_key === 'string') hub.prompt_cache_key = body.prompt_cache_key;
  if (body.metadata && typeof body.metadata === 'object') hub.metadata = body.metadata;
  for (const field of ['stop', 'seed', 'logit_bias', 'logprobs', 'top_logprobs', 'presence_penalty', 'frequency_penalty', 'modalities', 'audio', 'prediction', 'web_search_options']) {
    if (body[field] !== undefined && body[field] !== null) dropped.add(field);
  }
  return { body: hub, dropped: [...dropped] };
}

/**
 * Messages → hub items. Leading system/developer messages are the instructions; later ones stay in
 * place as developer messages. An assistant message's `reasoning_content` (DeepSeek-style clients
 * echo it) becomes a reasoning item before it, so a provider that can take reasoning as text gets it.
 */
function toItems(messages: unknown[], dropped: Set<string>): { instructions: string | undefined; items: JsonObject[] } {
  const items: JsonObject[] = [];
  const leading: string[] = [];
  let callCount = 0;
  for (const raw of messages) {
    if (!raw || typeof raw !== 'object') continue;
    const m = raw as JsonObject;
    switch (m.role) {
      case 'system':
      case 'developer': {
        const text = partsText(m.content);
        if (items.length === 0) leading.push(text);
        else items.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] });
        break;
      }
      case 'user':
        items.push({ type: 'message', role: 'user', content: userParts(m.content, dropped) });
        break;
      case 'assistant': {
        if (typeof m.reasoning_content === 'string' && m.reasoning_content !== '') {
          items.push({ type: 'reasoning', summary: [], content: [{ type: 'reasoning_text', text: m.reasoning_content }], encrypted_content: null });
        }
        const text = partsText(m.content);
        if (text !== '') items.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });
        const calls = Array.isArray(m.tool_calls) ? m.tool_calls : m.function_call ? [{ id: `call_${callCount}`, type: 'function', function: m.function_call }] : [];
        for (const call of calls) {
          const fn = call?.function ?? call?.custom;
          if (!fn || typeof fn.name !== 'string') continue;
          const id = typeof call.id === 'string' && call.id !== '' ? call.id : `call_${callCount}`;
          callCount++;
          if (call.type === 'custom') items.push({ type: 'custom_tool_call', call_id: id, name: fn.name, input: String(fn.input ?? '') });
          else items.push({ type: 'function_call', call_id: id, name: fn.name, arguments: typeof fn.arguments === 'string' ? fn.arguments : JSON.stringify(fn.arguments ?? {}) });
        }
        break;
      }
      case 'tool':
        items.push({ type: 'function_call_output', call_id: String(m.tool_call_id ?? ''), output: partsText(m.content) });
        break;
      case 'function':
        // The deprecated function-calling reply: answers the call made just before it.
        items.push({ type: 'function_call_output', call_id: `call_${Math.max(0, callCount - 1)}`, output: partsText(m.content) });
        break;
      default:
        dropped.add(`message role ${String(m.role)}`);
    }
  }
  return { instructions: leading.length > 0 ? leading.join('\n\n') : undefined, items };
}

function userParts(content: unknown, dropped: Set<string>): JsonObject[] {
  if (typeof content === 'string') return [{ type: 'input_text', text: content }];
  if (!Array.isArray(content)) return [{ type: 'input_text', text: '' }];
  const parts: JsonObject[] = [];
  for (const part of content) {
    if (!part || typeof part !== 'object') continue;
    if (part.type === 'text') parts.push({ type: 'input_text', text: String(part.text ?? '') });
    else if (part.type === 'image_url') {
      const url = typeof part.image_url === 'string' ? part.image_url : part.image_url?.url;
      if (typeof url === 'string') parts.push({ type: 'input_image', image_url: url, detail: part.image_url?.detail ?? 'auto' });
    } else if (part.type === 'file' && part.file && typeof part.file === 'object') {
      parts.push({ type: 'input_file', ...(part.file.file_data ? { file_data: part.file.file_data } : {}), ...(part.file.file_id ? { file_id: part.file.file_id } : {}), ...(part.file.filename ? { filename: part.file.filename } : {}) });
    } else dropped.add(`content part ${String(part.type)}`);
  }
  return parts;
}

/** The text of a string or of text/refusal parts. */
function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((p) => (typeof p?.text === 'string' ? p.text : typeof p?.refusal === 'string' ? p.refusal : '')).join('');
}

function toTools(tools: unknown, dropped: Set<string>): JsonObject[] {
  if (!Array.isArray(tools)) return [];
  const out: JsonObject[] = [];
  for (const tool of tools) {
    if (tool?.type === 'function' && tool.function && typeof tool.function.name === 'string') {
      const fn: JsonObject = { type: 'function', name: tool.function.name, parameters: tool.function.parameters ?? { type: 'object', properties: {} } };
      if (typeof tool.function.description === 'string') fn.description = tool.function.description;
      if (typeof tool.function.strict === 'boolean') fn.strict = tool.function.strict;
      out.push(fn);
    } else if (tool?.type === 'custom' && tool.custom && typeof tool.custom.name === 'string') {
      out.push({ type: 'custom', name: tool.custom.name, ...(tool.custom.description ? { description: tool.custom.description } : {}), ...(tool.custom.format ? { format: tool.custom.format } : {}) });
    } else dropped.add(`tool ${String(tool?.type)}`);
  }
  return out;
}

function toToolChoice(choice: unknown): unknown {
  if (choice === 'auto' || choice === 'none' || choice === 'required') return choice;
  if (choice && typeof choice === 'object') {
    const c = choice as JsonObject;
    if (c.type === 'function' && typeof c.function?.name === 'string') return { type: 'function', name: c.function.name };
    if (c.type === 'custom' && typeof c.custom?.name === 'string') return { type: 'custom', name: c.custom.name };
  }
  return undefined;
}

function textFormat(format: unknown): JsonObject | undefined {
  if (!format || typeof format !== 'object') return undefined;
  const f = format as JsonObject;
  if (f.type === 'json_object') return { type: 'json_object' };
  if (f.type === 'json_schema' && f.json_schema && typeof f.json_schema === 'object') {
    const s = f.json_schema;
    return { type: 'json_schema', name: s.name ?? 'output', schema: s.schema ?? {}, ...(typeof s.strict === 'boolean' ? { strict: s.strict } : {}), ...(typeof s.description === 'string' ? { description: s.description } : {}) };
  }
  return undefined;
}
