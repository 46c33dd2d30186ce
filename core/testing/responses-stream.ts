/**
 * What Codex relies on in a Responses event stream, checked in one place for every translator
 * (DeepSeek, the chat bridge, Anthropic): sequence numbers from 0, `response.created` then
 * `response.in_progress` with an empty output, one terminal event and it last, one response id
 * throughout, output items added in index order and each done once, item events only inside
 * their open item, and a final `output` equal to the items as they were done. Throws on the
 * first violation, naming it; returns the final response.
 */
import { isDeepStrictEqual } from 'node:util';
import type { JsonObject, SseEvent } from '../types.ts';

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

export function checkResponsesStream(events: readonly JsonObject[]): JsonObject {
  const fail = (why: string): never => {
    throw new Error(`Responses stream: ${why}`);
  };
  events.forEach((e, i) => e.sequence_number === i || fail(`event ${i} (${e.type}) has sequence_number ${e.sequence_number}`));
  if (events[0]?.type !== 'response.created' || events[1]?.type !== 'response.in_progress') fail(`starts with ${events[0]?.type}, ${events[1]?.type}`);
  const first = events[0]!.response;
  if (first?.status !== 'in_progress' || !Array.isArray(first.output) || first.output.length !== 0) fail('response.created is not an in_progress response with an empty output');
  const terminals = events.filter((e) => TERMINAL.has(e.type));
  if (terminals.length !== 1) fail(`${terminals.length} terminal events`);
  if (!TERMINAL.has(events.at(-1)!.type)) fail(`ends with ${events.at(-1)!.type}`);
  for (const e of events) if (e.response && e.response.id !== first.id) fail(`${e.type} names response ${e.response.id}, not ${first.id}`);

  const items = new Map<number, { id: string; done: boolean; doneItem?: JsonObject }>();
  for (const e of events) {
    if (e.type === 'response.output_item.added') {
      if (e.output_index !== items.size) fail(`item added at ${e.output_index}, expected ${items.size}`);
      items.set(e.output_index, { id: e.item.id, done: false });
    } else if (e.type === 'response.output_item.done') {
      const item = items.get(e.output_index) ?? fail(`done without added at ${e.output_index}`);
      if (item.done) fail(`item ${e.output_index} done twice`);
      if (e.item.id !== item.id) fail(`item ${e.output_index} done as ${e.item.id}, added as ${item.id}`);
      item.done = true;
      item.doneItem = e.item;
    } else if ('item_id' in e) {
      const item = items.get(e.output_index) ?? fail(`${e.type} outside its item`);
      if (e.item_id !== item.id) fail(`${e.type} names item ${e.item_id}, not ${item.id}`);
      if (item.done) fail(`${e.type} after its item was done`);
    }
  }
  for (const [index, item] of items) if (!item.done) fail(`item ${index} never done`);
  const final = terminals[0]!.response as JsonObject;
  const doneItems = [...items.keys()].sort((a, b) => a - b).map((i) => items.get(i)!.doneItem);
  if (!isDeepStrictEqual(final.output, doneItems)) fail('the final output differs from the items as they were done');
  return final;
}

/**
 * Runs `events` through a stream translator and returns the payloads it emitted, parsed; throws
 * when an event's name is not its payload's `type` (Codex dispatches on the name).
 */
export async function translateEvents(events: readonly SseEvent[], translator: TransformStream<SseEvent, SseEvent>): Promise<JsonObject[]> {
  const source = new ReadableStream<SseEvent>({
    start(controller) {
      for (const e of events) controller.enqueue(e);
      controller.close();
    },
  });
  const out: JsonObject[] = [];
  const reader = source.pipeThrough(translator).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    const payload = JSON.parse(r.value.data) as JsonObject;
    if (r.value.event !== payload.type) throw new Error(`Responses stream: event ${r.value.event} carries a ${payload.type} payload`);
    out.push(payload);
  }
  return out;
}
