// SSE framing. A stream is planned as whole frames first and written later, so fault
// injection can count, cut and corrupt at event boundaries without knowing the format.

export interface StreamPlan {
  /** Written right after the headers and not counted as an event (DeepSeek's `: keep-alive`). */
  preamble: string;
  /** Complete frames, each ending in a blank line. */
  events: string[];
}

/** Chat Completions framing: data lines only. */
export function sseData(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

/** Responses framing: the type is repeated in an `event:` line, as OpenAI does. */
export function sseEvent(type: string, payload: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(payload)}\n\n`;
}

export const DONE_FRAME = 'data: [DONE]\n\n';
export const KEEP_ALIVE_FRAME = ': keep-alive\n\n';
/** Looks like the start of a JSON chunk so a parser cannot skip it on the first byte. */
export const MALFORMED_FRAME = 'data: {"id": this is not json\n\n';
