/**
 * Stream direction: Anthropic Messages events → OpenAI Responses stream events, the same sequence
 * the deepseek plugin's translator emits: `response.created`, `response.in_progress`, per item
 * `output_item.added`, its deltas and `output_item.done` (each event with `sequence_number`,
 * `output_index`, `item_id`, `content_index` / `summary_index`), then exactly one of
 * `response.completed`, `.incomplete` or `.failed` with usage.
 *
 * | Messages                                   | Responses                                            |
 * |--------------------------------------------|------------------------------------------------------|
 * | `thinking` block (`thinking_delta`s, `signature_delta`) | `reasoning` item: summary events, the block in `encrypted_content` |
 * | `redacted_thinking` block                  | `reasoning` item with only `encrypted_content`       |
 * | `text` block                               | `message` item (`output_text` deltas)                |
 * | `tool_use` block (`input_json_delta`s)     | `function_call` / `custom_tool_call` (namespaced as declared) |
 * | `message_delta` `stop_reason`, usage       | the terminal event's status and usage                |
 * | `error` event, a cut stream                | `response.failed`                                    |
 *
 * Codex runs a tool as soon as its `output_item.done` arrives, so a call's done event waits for the
 * stop_reason: a call cut off by max_tokens is handed over `incomplete` (a custom tool's partial
 * input never), not as a whole call. Everything else goes out as soon as it is known.
 */
import { type ItemStatus, type ToolTarget, ResponsesEvents, buildToolIndex, callItem, messageItem, newId, responseSkeleton, unwrapCustomInput } from 'aurora/plugins/chat-bridge';
import type { JsonObject, SseEvent } from 'aurora';
import type { ThinkingBlock } from './carrier.ts';
import { type ResponsesContext, argumentsText, itemStatusFor, mapUsage, reasoningItem, STREAM_ENDED_EARLY, streamError, terminalState } from './response.ts';

interface Reasoning {
  kind: 'reasoning';
  id: string;
  outputIndex: number;
  text: string;
  signature: string;
  /** Set for a redacted_thinking block. */
  data?: string;
  summaryOpen: boolean;
}

interface Message {
  kind: 'message';
  id: string;
  outputIndex: number;
  text: string;
}

interface Call {
  kind: 'call';
  id: string;
  outputIndex: number;
  callId: string;
  target: ToolTarget;
  args: string;
}

type Open = Reasoning | Message | Call | { kind: 'ignored' };

type ResponseError = { code: string; message: string };

export function createResponsesStreamTranslator(ctx: ResponsesContext): TransformStream<SseEvent, SseEvent> {
  const index = ctx.tools ?? buildToolIndex(ctx.request.tools);
  const events = new ResponsesEvents(responseSkeleton(ctx, newId('resp'), Math.floor(Date.now() / 1000)));
  /** Content blocks by their Anthropic `index`, while open. */
  const blocks = new Map<number, Open>();
  /** Calls whose block ended, waiting for the stop_reason, in output order. */
  const calls: Call[] = [];
  let nextOutputIndex = 0;
  let usage: JsonObject | undefined;
  let stopReason: string | undefined;
  let ended = false;

  // --- opening blocks -------------------------------------------------------------------------

  const start = (at: number, block: JsonObject) => {
    if (blocks.has(at)) return;
    const outputIndex = nextOutputIndex;
    switch (block.type) {
      case 'thinking':
      case 'redacted_thinking': {
        const item: Reasoning = { kind: 'reasoning', id: newId('rs'), outputIndex, text: '', signature: '', summaryOpen: false };
        if (block.type === 'redacted_thinking') item.data = typeof block.data === 'string' ? block.data : '';
        nextOutputIndex++;
        blocks.set(at, item);
        events.reasoningAdded(item.id, outputIndex);
        if (typeof block.thinking === 'string' && block.thinking !== '') thinkingDelta(item, block.thinking);
        if (typeof block.signature === 'string') item.signature = block.signature;
        return;
      }
      case 'text': {
        const item: Message = { kind: 'message', id: newId('msg'), outputIndex, text: '' };
        nextOutputIndex++;
        blocks.set(at, item);
        events.added(outputIndex, messageItem(item.id, '', 'in_progress'));
        events.emit({ type: 'response.content_part.added', item_id: item.id, output_index: outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [], logprobs: [] } });
        if (typeof block.text === 'string' && block.text !== '') textDelta(item, block.text);
        return;
      }
      case 'tool_use': {
        const target = index.target(typeof block.name === 'string' ? block.name : '');
        const item: Call = { kind: 'call', id: newId(target.custom ? 'ctc' : 'fc'), outputIndex, callId: typeof block.id === 'string' && block.id !== '' ? block.id : newId('call'), target, args: '' };
        nextOutputIndex++;
        blocks.set(at, item);
        events.added(outputIndex, callItem(item.id, item.callId, target, '', 'in_progress'));
        return;
      }
      default:
        // server_tool_use and server tool results: this plugin declares no server tools.
        blocks.set(at, { kind: 'ignored' });
    }
  };

  // --- deltas -----------------------------------------------------------------------------------

  const thinkingDelta = (item: Reasoning, delta: string) => {
    if (!item.summaryOpen) {
      item.summaryOpen = true;
      events.summaryPartAdded(item.id, item.outputIndex);
    }
    item.text += delta;
    events.summaryDelta(item.id, item.outputIndex, delta);
  };

  const textDelta = (item: Message, delta: string) => {
    item.text += delta;
    events.textDelta(item.id, item.outputIndex, delta);
  };

  const delta = (at: number, d: JsonObject) => {
    const item = blocks.get(at);
    if (!item || item.kind === 'ignored' || !d) return;
    if (item.kind === 'reasoning') {
      if (d.type === 'thinking_delta' && typeof d.thinking === 'string' && d.thinking !== '') thinkingDelta(item, d.thinking);
      else if (d.type === 'signature_delta' && typeof d.signature === 'string') item.signature += d.signature;
    } else if (item.kind === 'message') {
      if (d.type === 'text_delta' && typeof d.text === 'string' && d.text !== '') textDelta(item, d.text);
    } else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string' && d.partial_json !== '') {
      item.args += d.partial_json;
      // Custom tools: buffered, their raw input exists only once the JSON is complete.
      if (!item.target.custom) events.argumentsDelta(item.id, item.outputIndex, d.partial_json);
    }
  };

  // --- closing ------------------------------------------------------------------------------------

  const stop = (at: number) => {
    const item = blocks.get(at);
    blocks.delete(at);
    if (!item || item.kind === 'ignored') return;
    if (item.kind === 'call') return void calls.push(item);
    finishItem(item, 'completed');
  };

  const finishItem = (item: Reasoning | Message, status: ItemStatus) => {
    let done: JsonObject;
    if (item.kind === 'reasoning') {
      if (item.summaryOpen) events.summaryDone(item.id, item.outputIndex, item.text);
      const block: ThinkingBlock | undefined = item.data !== undefined
        ? (item.data !== '' ? { type: 'redacted_thinking', data: item.data } : undefined)
        : item.signature !== '' ? { type: 'thinking', thinking: item.text, signature: item.signature } : undefined;
      // A block without its signature (a cut stream) cannot be replayed: the text alone is kept.
      done = block ? reasoningItem(item.id, block, ctx) : { id: item.id, type: 'reasoning', summary: item.text === '' ? [] : [{ type: 'summary_text', text: item.text }], encrypted_content: null };
    } else {
      events.textDone(item.id, item.outputIndex, item.text);
      done = messageItem(item.id, item.text, status);
    }
    events.done(item.outputIndex, done);
  };

  /** Done events for every call, in output order; a cut-off custom input is never handed out. */
  const closeCalls = (status: ItemStatus) => {
    for (const call of calls.splice(0).sort((a, b) => a.outputIndex - b.outputIndex)) {
      const whole = status === 'completed';
      const payload = call.target.custom ? (whole ? unwrapCustomInput(call.args) : '') : whole ? argumentsText(call.args) : call.args;
      events.callDone(call.id, call.callId, call.outputIndex, call.target, payload, status);
    }
  };

  /** Blocks still open when the answer ended (cut off, or the stream broke): closed as incomplete. */
  const closeOpen = () => {
    for (const [at, item] of [...blocks].sort(([a], [b]) => a - b)) {
      blocks.delete(at);
      if (item.kind === 'call') calls.push(item);
      else if (item.kind !== 'ignored') finishItem(item, 'incomplete');
    }
  };

  const mergeUsage = (u: unknown) => {
    if (!u || typeof u !== 'object') return;
    usage ??= {};
    // message_delta's counts are cumulative: a field it carries replaces message_start's.
    for (const [k, v] of Object.entries(u as JsonObject)) if (v !== null && v !== undefined) usage[k] = v;
  };

  const terminal = (error?: ResponseError) => {
    if (ended) return;
    ended = true;
    const status = stopReason === undefined ? 'incomplete' : itemStatusFor(stopReason);
    closeOpen();
    closeCalls(status);
    const state = terminalState(stopReason);
    events.close(state, stopReason === undefined ? (error ?? state.error) : state.error, mapUsage(usage));
  };

  const onEvent = (type: string, data: JsonObject) => {
    switch (type) {
      case 'message_start':
        return mergeUsage(data.message?.usage);
      case 'content_block_start':
        return start(Number(data.index), data.content_block ?? {});
      case 'content_block_delta':
        return delta(Number(data.index), data.delta);
      case 'content_block_stop':
        return stop(Number(data.index));
      case 'message_delta': {
        mergeUsage(data.usage);
        const reason = data.delta?.stop_reason;
        if (typeof reason === 'string' && reason !== '') {
          stopReason = reason;
          closeOpen();
          closeCalls(itemStatusFor(reason));
        }
        return;
      }
      case 'message_stop':
        return terminal();
      case 'error':
        return terminal(streamError(data.error ?? data));
      default:
        // ping, and events added to the API later.
        if (data.error && typeof data.error === 'object') return terminal(streamError(data.error));
    }
  };

  return new TransformStream<SseEvent, SseEvent>({
    start(controller) {
      events.open(controller);
    },
    transform(event) {
      if (ended) return;
      if (event.data.trim() === '') return;
      let data: JsonObject;
      try {
        data = JSON.parse(event.data);
      } catch {
        // A lost event could silently corrupt text or tool input: fail (Codex retries) instead.
        return terminal({ code: 'server_error', message: event.event === 'error' ? event.data : 'Anthropic sent an event that is not JSON' });
      }
      if (!data || typeof data !== 'object') return;
      // The core's own `event: error` (the connection failed) carries no `type`.
      const type = event.event === 'error' ? 'error' : typeof data.type === 'string' ? data.type : (event.event ?? '');
      onEvent(type, data);
    },
    flush() {
      // No message_stop: complete if the stop_reason came, else the stream broke.
      terminal(stopReason === undefined ? { code: 'server_error', message: STREAM_ENDED_EARLY } : undefined);
    },
  });
}
