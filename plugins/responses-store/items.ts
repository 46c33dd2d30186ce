/**
 * Items as the store keeps them and hands them out: every input item typed and given an id (as
 * OpenAI lists input items), and `include` applied to what a client reads back.
 */
import { randomBytes } from 'node:crypto';
import type { JsonObject } from 'aurora';

/** What Responses ids look like: letters, digits, `_`, `-` (OpenAI refuses anything else). */
const ID = /^[A-Za-z0-9_-]{1,200}$/;

export function isResponseId(value: unknown): value is string {
  return typeof value === 'string' && ID.test(value);
}

/** A fresh id in OpenAI's style for an item of `type` (`msg_…`, `fc_…`). */
export function newItemId(type: string): string {
  return `${PREFIXES[type] ?? 'item'}_${randomBytes(16).toString('hex')}`;
}

const PREFIXES: Record<string, string> = {
  message: 'msg',
  function_call: 'fc',
  function_call_output: 'fco',
  custom_tool_call: 'ctc',
  custom_tool_call_output: 'ctco',
  reasoning: 'rs',
};

/** The request's `input` as items: a string is one user message. */
export function inputItems(input: unknown): JsonObject[] {
  if (typeof input === 'string') return [{ type: 'message', role: 'user', content: input }];
  return Array.isArray(input) ? input.filter((i): i is JsonObject => typeof i === 'object' && i !== null && !Array.isArray(i)) : [];
}

/**
 * An input item as it is stored and listed: typed (`{role, content}` is a message), text content as
 * parts (`input_text`, or `output_text` for the assistant), and an id.
 */
export function storedItem(item: JsonObject): JsonObject {
  const type = typeof item.type === 'string' ? item.type : typeof item.role === 'string' ? 'message' : 'item';
  const out: JsonObject = { ...item, type };
  if (type === 'message' && typeof item.content === 'string') {
    out.content = [{ type: item.role === 'assistant' ? 'output_text' : 'input_text', text: item.content, ...(item.role === 'assistant' ? { annotations: [] } : {}) }];
  }
  if (!isResponseId(out.id)) out.id = newItemId(type);
  return out;
}

/** `include` from a query string (`include=a&include[]=b`, or comma-separated) or a body. */
export function includesOf(values: readonly string[]): Set<string> {
  return new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean));
}

/**
 * An item as a client reads it back: a reasoning item's `encrypted_content` only when asked for
 * (`include=reasoning.encrypted_content`), as OpenAI answers.
 */
export function visibleItem(item: JsonObject, include: ReadonlySet<string>): JsonObject {
  if (item.type !== 'reasoning' || include.has('reasoning.encrypted_content') || !('encrypted_content' in item)) return item;
  const { encrypted_content: _hidden, ...rest } = item;
  return rest;
}
