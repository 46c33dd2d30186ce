/**
 * Redaction for the policy plugin: the text of a prompt, of a whole response, and of a stream of
 * text deltas. Pure functions and one TransformStream; `policy.ts` wires them into hooks.
 */
import type { JsonObject, SseEvent } from 'aurora';

/** Replaces every match of the configured patterns; counts what it replaced. */
export interface Redactor {
  (text: string): string;
  /** Matches replaced so far (for the audit record). */
  readonly count: number;
}

export function createRedactor(patterns: readonly RegExp[], replacement: string): Redactor {
  let count = 0;
  const redact = (text: string) => {
    let out = text;
    for (const pattern of patterns) {
      out = out.replace(pattern, () => {
        count++;
        return replacement;
      });
    }
    return out;
  };
  return Object.defineProperty(redact, 'count', { get: () => count }) as Redactor;
}

// ── Requests ────────────────────────────────────────────────────────────────────────────────────

/**
 * A copy of a Responses or Chat Completions body with the text the client wrote redacted:
 * `instructions`, `input` (a string or items), `messages`, and each message's `content` (a string
 * or parts with `text`), plus tool outputs. Ids, tool definitions and arguments are left alone.
 */
export function redactRequestBody(body: JsonObject, redact: Redactor): JsonObject {
  const out: JsonObject = { ...body };
  if (typeof out.instructions === 'string') out.instructions = redact(out.instructions);
  if (typeof out.input === 'string') out.input = redact(out.input);
  else if (Array.isArray(out.input)) out.input = out.input.map((item) => redactItem(item, redact));
  if (Array.isArray(out.messages)) out.messages = out.messages.map((message) => redactItem(message, redact));
  return out;
}

function redactItem(item: unknown, redact: Redactor): unknown {
  if (!item || typeof item !== 'object') return item;
  const out: JsonObject = { ...(item as JsonObject) };
  if (typeof out.content === 'string') out.content = redact(out.content);
  else if (Array.isArray(out.content)) out.content = out.content.map((part) => redactPart(part, redact));
  // function_call_output / custom_tool_call_output: what a tool printed can hold the same data.
  if (typeof out.output === 'string') out.output = redact(out.output);
  return out;
}

function redactPart(part: unknown, redact: Redactor): unknown {
  if (!part || typeof part !== 'object' || typeof (part as JsonObject).text !== 'string') return part;
  return { ...(part as JsonObject), text: redact((part as JsonObject).text) };
}

// ── Whole responses ─────────────────────────────────────────────────────────────────────────────

/** A copy of a non-stream response with its output text (Responses `output`, Chat `choices`) redacted. */
export function redactResponseBody(response: JsonObject, redact: Redactor): JsonObject {
  const out: JsonObject = { ...response };
  if (Array.isArray(out.output)) out.output = out.output.map((item: unknown) => redactItem(item, redact));
  if (typeof out.output_text === 'string') out.output_text = redact(out.output_text);
  if (Array.isArray(out.choices)) {
    out.choices = out.choices.map((choice: JsonObject) =>
      typeof choice?.message?.content === 'string' ? { ...choice, message: { ...choice.message, content: redact(choice.message.content) } } : choice);
  }
  return out;
}

// ── Streams ─────────────────────────────────────────────────────────────────────────────────────

/** A text delta: which text it belongs to, and the piece it adds. */
interface Delta {
  key: string;
  text: string;
  json: JsonObject;
  event: SseEvent;
}

/** The longest run without whitespace held back before it is let out anyway (bounds memory). */
const MAX_HELD_CHARS = 1024;

/**
 * Redacts streamed output text without buffering the stream.
 *
 * A model streams tokens, so an address arrives in pieces (`alice`, `@exam`, `ple.com`): a pattern
 * applied to each delta alone would never match. So the latest delta of a text is held back until
 * the next one arrives, and the text after its last whitespace moves on to that next delta: a
 * pattern that cannot span whitespace (an email, a key) is then always seen whole. One delta event
 * is in flight at a time; events keep their count and order, and the held one is let out as soon
 * as anything else (a `.done` event, another item, the end) arrives.
 *
 * Whole texts in the lifecycle events (`output_text.done`, `content_part.done`, `output_item.done`,
 * `response.completed`) are redacted as they pass.
 */
export function createRedactingStream(redact: Redactor): TransformStream<SseEvent, SseEvent> {
  let held: Delta | undefined;
  let pending = '';

  const release = (controller: TransformStreamDefaultController<SseEvent>, text: string) => {
    if (!held) return;
    controller.enqueue(withDeltaText(held, redact(text)));
    held = undefined;
  };

  return new TransformStream({
    transform(event, controller) {
      const json = parseJson(event.data);
      const delta = json && deltaOf(event, json);
      if (delta && held && held.key === delta.key) {
        const text = pending + delta.text;
        const cut = splitPoint(text);
        release(controller, text.slice(0, cut));
        pending = text.slice(cut);
        held = delta;
        return;
      }
      release(controller, pending);
      pending = '';
      if (delta) {
        held = delta;
        pending = delta.text;
        return;
      }
      controller.enqueue(json ? redactWholeTexts(event, json, redact) : event);
    },
    flush(controller) {
      release(controller, pending);
    },
  });
}

/** Where held text may be cut: just after the last whitespace (everything, past the hold limit). */
function splitPoint(text: string): number {
  const match = /\s(?=\S*$)/.exec(text);
  const cut = match ? match.index + 1 : 0;
  return text.length - cut > MAX_HELD_CHARS ? text.length : cut;
}

function parseJson(data: string): JsonObject | undefined {
  if (data === '[DONE]') return undefined;
  try {
    const json = JSON.parse(data);
    return json && typeof json === 'object' ? json : undefined;
  } catch {
    return undefined;
  }
}

/** Responses `response.output_text.delta`, or a Chat chunk with one choice carrying `delta.content`. */
function deltaOf(event: SseEvent, json: JsonObject): Delta | undefined {
  if (json.type === 'response.output_text.delta' && typeof json.delta === 'string') {
    return { key: `${json.item_id}:${json.content_index}`, text: json.delta, json, event };
  }
  if (json.object === 'chat.completion.chunk' && Array.isArray(json.choices) && json.choices.length === 1) {
    const choice = json.choices[0];
    if (typeof choice?.delta?.content === 'string') return { key: `choice:${choice.index ?? 0}`, text: choice.delta.content, json, event };
  }
  return undefined;
}

function withDeltaText(delta: Delta, text: string): SseEvent {
  if (text === delta.text) return delta.event;
  const json = delta.json;
  if (json.type === 'response.output_text.delta') json.delta = text;
  else json.choices[0].delta.content = text;
  return { ...delta.event, data: JSON.stringify(json) };
}

function redactWholeTexts(event: SseEvent, json: JsonObject, redact: Redactor): SseEvent {
  const before = redact.count;
  switch (json.type) {
    case 'response.output_text.done':
      if (typeof json.text === 'string') json.text = redact(json.text);
      break;
    case 'response.content_part.done':
      json.part = redactPart(json.part, redact);
      break;
    case 'response.output_item.done':
      json.item = redactItem(json.item, redact);
      break;
    case 'response.completed':
    case 'response.incomplete':
      if (json.response && typeof json.response === 'object') json.response = redactResponseBody(json.response, redact);
      break;
    default:
      return event;
  }
  return redact.count === before ? event : { ...event, data: JSON.stringify(json) };
}
