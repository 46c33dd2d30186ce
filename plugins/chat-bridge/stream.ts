/**
 * Stream direction: a provider's chat.completion.chunk events → OpenAI Responses stream events.
 * The state machine of translation.md §3; where the reasoning is (a field, `<think>` tags in the
 * content, Mistral's thinking parts, OpenRouter's `reasoning_details`, Gemini's signatures on
 * tool calls) comes from the profile.
 *
 * Codex executes tools and records text from `response.output_item.done`, and treats a stream
 * without a terminal event as broken; so every item that was added is done before the terminal
 * event, and the stream always ends with response.completed / .incomplete / .failed. The terminal
 * event waits for `[DONE]` or EOF because usage arrives after the finish_reason chunk.
 *
 * Hot path: each upstream chunk is parsed once and every event is emitted as soon as it is known;
 * the only buffering is a custom tool's JSON arguments (its raw input exists only once unwrapped),
 * a `<think>` tag cut across chunks, and the state (details, signatures) sealed at the end.
 */
import type { JsonObject, SseEvent } from 'aurora';
import { ResponsesEvents } from './events.ts';
import { unwrapCustomInput } from './freeform.ts';
import { type ItemStatus, callItem, messageItem, newId, responseSkeleton } from './items.ts';
import { consolidateDetails, detailsText, ThinkTagSplitter } from './reasoning.ts';
import { type ResponsesContext, hasState, itemStatusFor, mapUsage, reasoningItem, stateItem, terminalState, thinkingText } from './response.ts';
import { type ToolTarget, buildToolIndex } from './tools.ts';

/** The reasoning or message item currently receiving deltas. */
interface OpenItem {
  kind: 'reasoning' | 'message';
  id: string;
  outputIndex: number;
  text: string;
}

/** One tool call, keyed by the chunk's `tool_calls[].index`. */
interface Call {
  callId: string;
  name: string;
  args: string;
  /** Set once `output_item.added` went out (needs the name). */
  added: boolean;
  itemId: string;
  outputIndex: number;
  target: ToolTarget;
  /** Gemini's thought signature for this call. */
  signature?: string;
}

type ResponseError = { code: string; message: string };

export function createResponsesStreamTranslator(ctx: ResponsesContext): TransformStream<SseEvent, SseEvent> {
  const { profile } = ctx;
  const index = ctx.tools ?? buildToolIndex(ctx.request.tools, profile.tools.maxNameLength);
  const fields = profile.reasoningFields;
  const splitter = profile.thinkTags ? new ThinkTagSplitter() : undefined;
  const details: JsonObject[] | undefined = profile.reasoningDetails ? [] : undefined;
  const signatures: Record<string, string> = {};
  const events = new ResponsesEvents(responseSkeleton(ctx, newId('resp'), Math.floor(Date.now() / 1000)));
  const calls = new Map<number, Call>();
  /** Added calls in output order (their output_index order). */
  const callOrder: Call[] = [];
  let nextOutputIndex = 0;
  let open: OpenItem | undefined;
  let usage: unknown;
  let finish: string | undefined;
  let ended = false;

  // --- reasoning and message items ------------------------------------------------------------

  const openItem = (kind: OpenItem['kind']): OpenItem => {
    if (open?.kind === kind) return open;
    if (open) closeOpen('completed');
    const item: OpenItem = { kind, id: newId(kind === 'reasoning' ? 'rs' : 'msg'), outputIndex: nextOutputIndex++, text: '' };
    open = item;
    if (kind === 'reasoning') {
      events.reasoningAdded(item.id, item.outputIndex);
      events.summaryPartAdded(item.id, item.outputIndex);
    } else {
      events.added(item.outputIndex, messageItem(item.id, '', 'in_progress'));
      events.emit({ type: 'response.content_part.added', item_id: item.id, output_index: item.outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
    }
    return item;
  };

  const closeOpen = (status: ItemStatus) => {
    const item = open;
    if (!item) return;
    open = undefined;
    const { id, outputIndex, text } = item;
    if (item.kind === 'reasoning') {
      events.summaryDone(id, outputIndex, text);
      events.done(outputIndex, reasoningItem(id, text, ctx));
    } else {
      events.textDone(id, outputIndex, text);
      events.done(outputIndex, messageItem(id, text, status));
    }
  };

  const reasoningDelta = (delta: string) => {
    const item = openItem('reasoning');
    item.text += delta;
    events.summaryDelta(item.id, item.outputIndex, delta);
  };

  const textDelta = (delta: string) => {
    const item = openItem('message');
    item.text += delta;
    events.textDelta(item.id, item.outputIndex, delta);
  };

  // --- tool calls -------------------------------------------------------------------------------

  const addCall = (call: Call) => {
    call.target = index.target(call.name);
    call.added = true;
    call.outputIndex = nextOutputIndex++;
    call.itemId = newId(call.target.custom ? 'ctc' : 'fc');
    if (call.callId === '') call.callId = newId('call');
    callOrder.push(call);
    events.added(call.outputIndex, callItem(call.itemId, call.callId, call.target, '', 'in_progress'));
    // Arguments that came before the name (rare) go out now, in one piece.
    if (!call.target.custom && call.args !== '') events.argumentsDelta(call.itemId, call.outputIndex, call.args);
  };

  const toolDeltas = (fragments: unknown[]) => {
    if (open) closeOpen('completed');
    for (const fragment of fragments) {
      if (!fragment || typeof fragment !== 'object') continue;
      const f = fragment as JsonObject;
      const key = typeof f.index === 'number' ? f.index : 0;
      let call = calls.get(key);
      if (!call) {
        call = { callId: '', name: '', args: '', added: false, itemId: '', outputIndex: -1, target: { name: '', custom: false } };
        calls.set(key, call);
      }
      if (call.callId === '' && typeof f.id === 'string') call.callId = f.id;
      const signature = f.extra_content?.google?.thought_signature;
      if (typeof signature === 'string' && profile.thoughtSignatures) call.signature = signature;
      const fn = f.function;
      if (!call.added && typeof fn?.name === 'string') call.name += fn.name;
      if (!call.added && call.name !== '') addCall(call);
      const delta = fn?.arguments;
      if (typeof delta === 'string' && delta !== '') {
        call.args += delta;
        // Custom tools: buffered, their raw input exists only once the JSON is complete.
        if (call.added && !call.target.custom) events.argumentsDelta(call.itemId, call.outputIndex, delta);
      }
    }
  };

  /** Done events for every call, in output order. `failing`: the stream broke, so a partial custom input is not handed out for execution. */
  const closeCalls = (status: ItemStatus, failing: boolean) => {
    // A call that never got a name can be neither run nor replayed to the provider: it is dropped.
    for (const call of callOrder) {
      const payload = !call.target.custom ? call.args : failing ? '' : unwrapCustomInput(call.args);
      if (call.signature !== undefined) signatures[call.callId] = call.signature;
      events.callDone(call.itemId, call.callId, call.outputIndex, call.target, payload, status);
    }
    callOrder.length = 0;
    calls.clear();
  };

  // --- end of turn and end of stream --------------------------------------------------------------

  /** The state known only now (details, signatures): one reasoning item after the turn's others. */
  const closeState = () => {
    const consolidated = details?.length ? consolidateDetails(details) : undefined;
    if (!hasState(consolidated, signatures)) return;
    const outputIndex = nextOutputIndex++;
    const item = stateItem(newId('rs'), { details: consolidated, signatures }, ctx);
    events.reasoningAdded(item.id, outputIndex);
    events.done(outputIndex, item);
  };

  const onFinish = (reason: string) => {
    flushSplitter();
    finish = reason;
    const status = itemStatusFor(reason);
    closeOpen(status);
    // Cut off (length, content_filter) or failed: never hand a possibly partial patch to Codex.
    closeCalls(status, status !== 'completed');
    if (status === 'completed') closeState();
  };

  const terminal = (error?: ResponseError) => {
    if (ended) return;
    ended = true;
    if (finish === undefined) {
      flushSplitter();
      // Never fake success on a truncated stream (pitfall 9): close what is open as incomplete.
      closeOpen('incomplete');
      closeCalls('incomplete', true);
    }
    const state = terminalState(finish);
    events.close(state, finish === undefined ? (error ?? state.error) : state.error, mapUsage(usage, profile.usage));
  };

  /** Content text, split when the profile says reasoning hides in `<think>` tags. */
  const content = (text: string) => {
    if (!splitter) return textDelta(text);
    const piece = splitter.push(text);
    if (piece.reasoning !== '') reasoningDelta(piece.reasoning);
    if (piece.text !== '') textDelta(piece.text);
  };

  const flushSplitter = () => {
    if (!splitter) return;
    const piece = splitter.flush();
    if (piece.reasoning !== '') reasoningDelta(piece.reasoning);
    if (piece.text !== '') textDelta(piece.text);
  };

  const onChunk = (chunk: JsonObject) => {
    if (chunk.usage && typeof chunk.usage === 'object') usage = chunk.usage;
    const choices = chunk.choices;
    if (!Array.isArray(choices) || finish !== undefined) return;
    for (const choice of choices) {
      if (!choice || typeof choice !== 'object' || (typeof choice.index === 'number' && choice.index !== 0)) continue;
      const delta = choice.delta;
      if (delta && typeof delta === 'object') {
        let reasoning: unknown;
        for (let i = 0; i < fields.length; i++) {
          reasoning = delta[fields[i]!];
          if (typeof reasoning === 'string' && reasoning !== '') break;
        }
        if (details && Array.isArray(delta.reasoning_details) && delta.reasoning_details.length > 0) {
          details.push(...delta.reasoning_details);
          // Shown from the text field when the provider sends one, else from the details.
          if (typeof reasoning !== 'string' || reasoning === '') reasoning = detailsText(delta.reasoning_details);
        }
        if (typeof reasoning === 'string' && reasoning !== '') reasoningDelta(reasoning);
        const text = delta.content;
        if (typeof text === 'string') {
          if (text !== '') content(text);
        } else if (Array.isArray(text)) {
          for (const part of text) {
            if (part?.type === 'text' && typeof part.text === 'string' && part.text !== '') content(part.text);
            else if (part?.type === 'thinking' && profile.thinkingChunks) {
              const thought = thinkingText(part);
              if (thought !== '') reasoningDelta(thought);
            }
          }
        }
        if (Array.isArray(delta.tool_calls) && delta.tool_calls.length > 0) {
          flushSplitter();
          toolDeltas(delta.tool_calls);
        }
      }
      if (typeof choice.finish_reason === 'string' && choice.finish_reason !== '') onFinish(choice.finish_reason);
    }
  };

  return new TransformStream<SseEvent, SseEvent>({
    start(controller) {
      events.open(controller);
    },
    transform(event) {
      if (ended) return;
      const data = event.data;
      if (data === '[DONE]') return terminal();
      if (data.trim() === '') return;
      let chunk: JsonObject;
      try {
        chunk = JSON.parse(data);
      } catch {
        // A lost chunk could silently corrupt text or tool arguments: fail (Codex retries) instead.
        return terminal(event.event === 'error' ? { code: 'server_error', message: data } : { code: 'server_error', message: 'upstream sent an event that is not JSON' });
      }
      // In-band error: `data: {"error":…}`, or the core's `event: error` when the socket failed.
      if (event.event === 'error' || (chunk && typeof chunk === 'object' && chunk.error)) return terminal(streamError(chunk?.error));
      // Gemini's OpenAI endpoint wraps errors in an array.
      if (Array.isArray(chunk)) return terminal(streamError(chunk[0]?.error ?? chunk[0]));
      if (chunk && typeof chunk === 'object') onChunk(chunk);
    },
    flush() {
      terminal();
    },
  });
}

/** An upstream error object → the `response.failed` error Codex understands (responses-api.md §5.2). */
export function streamError(error: unknown): ResponseError {
  const e: JsonObject = error && typeof error === 'object' ? error : { message: typeof error === 'string' ? error : undefined };
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : 'upstream stream failed';
  const kind = `${e.code ?? ''} ${e.type ?? ''} ${e.status ?? ''}`;
  // OpenRouter and Gemini put the HTTP status in `code`.
  const status = typeof e.code === 'number' ? e.code : e.status;
  if (/rate_limit|RESOURCE_EXHAUSTED/i.test(kind) || status === 429) return { code: 'rate_limit_exceeded', message };
  if (/insufficient_quota|insufficient_balance/i.test(kind) || status === 402) return { code: 'insufficient_quota', message };
  if (/context_length/i.test(kind) || /context length|maximum context|context window/i.test(message)) return { code: 'context_length_exceeded', message };
  if (/reasoning_content|thought_signature|reasoning_details/.test(message)) return { code: 'invalid_prompt', message };
  return { code: 'server_error', message };
}
