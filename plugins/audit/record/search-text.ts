/**
 * The text `q` searches. Scanning gzip'd bodies at 100k records is seconds of work, so each record
 * keeps a short lowercase digest in the index instead: the head of the last user message, the head
 * of the final answer, the tool names called, and the error message (the gateway's or the upstream's). Bounded so 100k records stay
 * under ~100 MB of index in memory; a word only deep inside a long prompt is not found.
 */
import type { AuditRecord, JsonObject } from 'aurora';
import { reconstructAnswer } from './reconstruct.ts';

export const PROMPT_CHARS = 400;
export const ANSWER_CHARS = 400;

export function searchTextOf(record: AuditRecord): string {
  const parts: string[] = [];
  const request = record.trail?.clientRequest.body?.text;
  if (request) parts.push(lastUserText(request).slice(0, PROMPT_CHARS));
  const response = record.trail?.clientResponse;
  if (response?.body?.text) {
    const answer = reconstructAnswer(response.body.text, response.headers['content-type']);
    parts.push(answer.text.slice(0, ANSWER_CHARS));
    for (const call of answer.toolCalls) parts.push(call.name);
  }
  if (record.error) parts.push(record.error.message);
  else if (response && response.status >= 400 && response.body) parts.push(errorMessageOf(response.body.text));
  return parts.filter(Boolean).join('\n').toLowerCase();
}

/** The last user turn's text of a Responses or Chat request; the raw head when it is not JSON (cut at the capture limit). */
export function lastUserText(requestBody: string): string {
  let body: JsonObject;
  try {
    body = JSON.parse(requestBody);
  } catch {
    return requestBody.slice(0, PROMPT_CHARS);
  }
  if (typeof body?.input === 'string') return body.input;
  const turns: unknown[] = Array.isArray(body?.input) ? body.input : Array.isArray(body?.messages) ? body.messages : [];
  for (let i = turns.length - 1; i >= 0; i--) {
    const turn = turns[i] as JsonObject | undefined;
    if (turn?.role !== 'user') continue;
    const text = contentText(turn.content);
    if (text) return text;
  }
  return '';
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part: JsonObject) => (typeof part?.text === 'string' ? part.text : '')).filter(Boolean).join('\n');
}

/** An upstream's error (kept as it answered: the record's `error` is only the gateway's own). */
function errorMessageOf(body: string): string {
  try {
    const message = JSON.parse(body)?.error?.message;
    return typeof message === 'string' ? message : '';
  } catch {
    return body.slice(0, ANSWER_CHARS);
  }
}
