/**
 * The final answer inside a captured response body: Responses events, Chat Completions chunks,
 * Messages events, or a whole JSON response of any of the three APIs. Pure functions: the record detail view and the search text
 * both read answers through here.
 */
import { parseSseText, type JsonObject } from 'aurora';

export interface ToolCall {
  name: string;
  /** Function tools (JSON text). */
  arguments?: string;
  /** Custom (free-form) tools, e.g. Codex's apply_patch. */
  input?: string;
}

export interface Answer {
  text: string;
  reasoning: string;
  toolCalls: ToolCall[];
}

export interface ParsedEvent {
  event: string | null;
  /** Parsed when it is JSON, else the raw text (e.g. `[DONE]`). */
  data: unknown;
}

/** Whether a captured body is an event stream (by content type, or by its first line when unknown). */
export function isEventStream(contentType: string | undefined, text: string): boolean {
  if (contentType) return contentType.includes('text/event-stream');
  return /^(?:event|data|:)[^\n]*\n/.test(text.trimStart());
}

export function parseEvents(text: string): ParsedEvent[] {
  return parseSseText(text).map((e) => ({ event: e.event ?? null, data: parseJson(e.data) ?? e.data }));
}

/** The answer in a body; an empty answer when the body holds none (an error, a request). */
export function reconstructAnswer(text: string, contentType?: string): Answer {
  if (isEventStream(contentType, text)) return fromEvents(parseEvents(text));
  const json = parseJson(text);
  return json && typeof json === 'object' ? fromJson(json as JsonObject) : emptyAnswer();
}

function fromEvents(events: ParsedEvent[]): Answer {
  const answer = emptyAnswer();
  // Chat tool calls arrive as fragments keyed by index; Responses items by output_index.
  const chatCalls = new Map<number, ToolCall>();
  const itemCalls = new Map<number, ToolCall>();
  // Messages blocks by index: tool_use input arrives as JSON fragments.
  const blockCalls = new Map<number, ToolCall>();
  let final: JsonObject | undefined;
  let sawTextDelta = false;
  let sawReasoningDelta = false;
  for (const { data } of events) {
    if (!data || typeof data !== 'object') continue;
    const e = data as JsonObject;
    if (typeof e.type === 'string') {
      switch (e.type) {
        case 'response.output_text.delta':
          answer.text += String(e.delta ?? '');
          sawTextDelta = true;
          break;
        case 'response.output_text.done':
          if (!sawTextDelta) answer.text += String(e.text ?? '');
          break;
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          answer.reasoning += String(e.delta ?? '');
          sawReasoningDelta = true;
          break;
        case 'response.reasoning_summary_text.done':
        case 'response.reasoning_text.done':
          if (!sawReasoningDelta) answer.reasoning += String(e.text ?? '');
          break;
        case 'response.output_item.added':
        case 'response.output_item.done': {
          const call = toolCallOf(e.item);
          if (call && typeof e.output_index === 'number') itemCalls.set(e.output_index, call);
          break;
        }
        // Only a stream cut before `output_item.done` needs these; `done` replaces what they built.
        case 'response.function_call_arguments.delta':
        case 'response.custom_tool_call_input.delta': {
          const call = itemCalls.get(e.output_index);
          const field = e.type === 'response.function_call_arguments.delta' ? 'arguments' : 'input';
          if (call) call[field] = (call[field] ?? '') + String(e.delta ?? '');
          break;
        }
        case 'response.completed':
        case 'response.incomplete':
        case 'response.failed':
          final = e.response;
          break;
        case 'content_block_start':
          if (e.content_block?.type === 'tool_use') blockCalls.set(e.index, { name: String(e.content_block.name ?? ''), arguments: '' });
          else if (e.content_block?.type === 'text' && typeof e.content_block.text === 'string') answer.text += e.content_block.text;
          break;
        case 'content_block_delta': {
          const delta = e.delta ?? {};
          if (delta.type === 'text_delta') answer.text += String(delta.text ?? '');
          else if (delta.type === 'thinking_delta') answer.reasoning += String(delta.thinking ?? '');
          else if (delta.type === 'input_json_delta') {
            const call = blockCalls.get(e.index);
            if (call) call.arguments += String(delta.partial_json ?? '');
          }
          break;
        }
      }
      continue;
    }
    for (const choice of Array.isArray(e.choices) ? e.choices : []) {
      const delta = choice?.delta ?? {};
      if (typeof delta.content === 'string') answer.text += delta.content;
      const reasoning = delta.reasoning_content ?? delta.reasoning;
      if (typeof reasoning === 'string') answer.reasoning += reasoning;
      for (const fragment of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) {
        const index = typeof fragment?.index === 'number' ? fragment.index : chatCalls.size;
        const call = chatCalls.get(index) ?? { name: '', arguments: '' };
        if (fragment.function?.name) call.name += fragment.function.name;
        if (typeof fragment.function?.arguments === 'string') call.arguments += fragment.function.arguments;
        chatCalls.set(index, call);
      }
    }
  }
  const byIndex = (calls: Map<number, ToolCall>) => [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => c);
  answer.toolCalls = [...byIndex(itemCalls), ...chatCalls.values(), ...byIndex(blockCalls)];
  // Deltas are what a client saw; the final response fills in only what deltas did not carry.
  if (final && typeof final === 'object') {
    const whole = fromJson(final);
    if (!answer.text) answer.text = whole.text;
    if (!answer.reasoning) answer.reasoning = whole.reasoning;
    if (!answer.toolCalls.length) answer.toolCalls = whole.toolCalls;
  }
  return answer;
}

function fromJson(body: JsonObject): Answer {
  const answer = emptyAnswer();
  if (Array.isArray(body.output)) {
    for (const item of body.output) {
      if (item?.type === 'message') {
        for (const part of Array.isArray(item.content) ? item.content : []) if (typeof part?.text === 'string') answer.text += part.text;
      } else if (item?.type === 'reasoning') {
        const parts = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])];
        answer.reasoning += parts.map((p: { text?: unknown }) => (typeof p?.text === 'string' ? p.text : '')).join('');
      } else {
        const call = toolCallOf(item);
        if (call) answer.toolCalls.push(call);
      }
    }
    return answer;
  }
  if (body.type === 'message' && Array.isArray(body.content)) {
    for (const block of body.content) {
      if (block?.type === 'text') answer.text += String(block.text ?? '');
      else if (block?.type === 'thinking') answer.reasoning += String(block.thinking ?? '');
      else if (block?.type === 'tool_use') answer.toolCalls.push({ name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) });
    }
    return answer;
  }
  const message = Array.isArray(body.choices) ? body.choices[0]?.message : undefined;
  if (message && typeof message === 'object') {
    if (typeof message.content === 'string') answer.text = message.content;
    const reasoning = message.reasoning_content ?? message.reasoning;
    if (typeof reasoning === 'string') answer.reasoning = reasoning;
    for (const call of Array.isArray(message.tool_calls) ? message.tool_calls : []) {
      answer.toolCalls.push({ name: String(call?.function?.name ?? ''), arguments: String(call?.function?.arguments ?? '') });
    }
  }
  return answer;
}

function toolCallOf(item: unknown): ToolCall | undefined {
  const i = item as JsonObject | undefined;
  if (i?.type === 'function_call') return { name: String(i.name ?? ''), arguments: String(i.arguments ?? '') };
  if (i?.type === 'custom_tool_call') return { name: String(i.name ?? ''), input: String(i.input ?? '') };
  return undefined;
}

function emptyAnswer(): Answer {
  return { text: '', reasoning: '', toolCalls: [] };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
