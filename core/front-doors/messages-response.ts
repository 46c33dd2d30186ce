/**
 * The hub's answer (a Responses object or its stream) → an Anthropic Messages answer. The stream
 * translator keeps Messages' event grammar exactly: `message_start`, `ping`, then per block
 * `content_block_start` / `content_block_delta`… / `content_block_stop`, then `message_delta`
 * (stop reason, usage) and `message_stop`; a failure anywhere is one `error` event, never a
 * `message_stop` (a client must not take a broken answer for a whole one).
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject, SseEvent, Usage } from '../types.ts';
import { usageFromJson } from '../usage.ts';
import { anthropicErrorBody, anthropicTypeOfCode } from './messages-errors.ts';
import { signatureOf } from './signature.ts';

export interface MessagesAnswerOptions {
  /** The model name the client asked for, echoed. */
  model: string;
  /** `thinking.display: "omitted"`: thinking blocks carry their signature but no text. */
  omitThinking: boolean;
  /** Told the usage once the stream reports it (the gateway's own accounting). */
  onUsage?: (usage: Usage) => void;
}

export function newMessageId(): string {
  return `msg_${randomUUID().replaceAll('-', '')}`;
}

/** Anthropic usage: input excludes cache reads, which are counted on their own. */
export function messagesUsage(hub: unknown): JsonObject {
  const u = (hub && typeof hub === 'object' ? hub : {}) as JsonObject;
  const input = int(u.input_tokens);
  const cached = Math.min(input, int(u.input_tokens_details?.cached_tokens));
  return { input_tokens: input - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: int(u.output_tokens) };
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
}

function stopReason(response: JsonObject, usedTools: boolean): string {
  if (response.status === 'incomplete') {
    const reason = response.incomplete_details?.reason;
    return reason === 'content_filter' ? 'refusal' : 'max_tokens';
  }
  return usedTools ? 'tool_use' : 'end_turn';
}

/** A whole hub response → a Messages response (a failed one → the error body to send instead). */
export function hubToMessagesResponse(hub: JsonObject, options: MessagesAnswerOptions): { body: JsonObject; failed?: { code: string; message: string } } {
  if (hub.status === 'failed') {
    const error = hub.error && typeof hub.error === 'object' ? hub.error : {};
    const code = String(error.code ?? 'server_error');
    const message = String(error.message ?? 'the upstream failed to answer');
    return { body: anthropicErrorBody(anthropicTypeOfCode(code), message), failed: { code, message } };
  }
  const content: JsonObject[] = [];
  let usedTools = false;
  for (const item of Array.isArray(hub.output) ? hub.output : []) {
    if (!item || typeof item !== 'object') continue;
    if (item.type === 'reasoning') {
      const text = options.omitThinking ? '' : reasoningText(item);
      content.push({ type: 'thinking', thinking: text, signature: signatureOf(item.id, item.encrypted_content) });
    } else if (item.type === 'message') {
      const text = messageText(item);
      if (text !== '') content.push({ type: 'text', text });
    } else if (item.type === 'function_call') {
      usedTools = true;
      content.push({ type: 'tool_use', id: item.call_id, name: item.name, input: parseArguments(item.arguments) });
    }
  }
  return {
    body: {
      id: newMessageId(),
      type: 'message',
      role: 'assistant',
      model: options.model,
      content,
      stop_reason: stopReason(hub, usedTools),
      stop_sequence: null,
      usage: messagesUsage(hub.usage),
    },
  };
}

function reasoningText(item: JsonObject): string {
  const parts = Array.isArray(item.summary) && item.summary.length > 0 ? item.summary : Array.isArray(item.content) ? item.content : [];
  return parts.map((p: JsonObject) => (typeof p?.text === 'string' ? p.text : '')).filter(Boolean).join('\n\n');
}

function messageText(item: JsonObject): string {
  if (!Array.isArray(item.content)) return '';
  return item.content.map((p: JsonObject) => (typeof p?.text === 'string' ? p.text : typeof p?.refusal === 'string' ? p.refusal : '')).join('');
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string' || args === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    // A model that wrote broken JSON: hand it over whole rather than lose it.
    return { input: args };
  }
}

interface Block {
  index: number;
  kind: 'thinking' | 'text' | 'tool_use';
  /** Some delta went out (the done event then need not repeat the content). */
  streamed: boolean;
  /** Which reasoning deltas this block takes (a provider may send both summary and raw text). */
  source?: 'summary' | 'raw';
}

const event = (type: string, payload: JsonObject): SseEvent => ({ event: type, data: JSON.stringify({ type, ...payload }) });

export function hubToMessagesStream(options: MessagesAnswerOptions): TransformStream<SseEvent, SseEvent> {
  const id = newMessageId();
  const blocks = new Map<number, Block>();
  let next = 0;
  let started = false;
  let ended = false;
  let usedTools = false;
  let controller!: TransformStreamDefaultController<SseEvent>;
  const emit = (type: string, payload: JsonObject = {}) => controller.enqueue(event(type, payload));

  const start = () => {
    if (started) return;
    started = true;
    emit('message_start', {
      message: { id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 } },
    });
    emit('ping');
  };

  const open = (outputIndex: number, item: JsonObject): Block | undefined => {
    const existing = blocks.get(outputIndex);
    if (existing) return existing;
    let block: Block;
    if (item.type === 'reasoning') {
      block = { index: next++, kind: 'thinking', streamed: false };
      emit('content_block_start', { index: block.index, content_block: { type: 'thinking', thinking: '', signature: '' } });
    } else if (item.type === 'message') {
      block = { index: next++, kind: 'text', streamed: false };
      emit('content_block_start', { index: block.index, content_block: { type: 'text', text: '' } });
    } else if (item.type === 'function_call') {
      usedTools = true;
      block = { index: next++, kind: 'tool_use', streamed: false };
      emit('content_block_start', { index: block.index, content_block: { type: 'tool_use', id: item.call_id, name: item.name, input: {} } });
    } else return undefined; // hosted tool calls and the like: nothing the client could use
    blocks.set(outputIndex, block);
    return block;
  };

  const delta = (block: Block | undefined, payload: JsonObject) => {
    if (!block) return;
    block.streamed = true;
    emit('content_block_delta', { index: block.index, delta: payload });
  };

  const thinking = (outputIndex: number, text: string, source: 'summary' | 'raw') => {
    const block = blocks.get(outputIndex);
    if (!block || options.omitThinking || text === '') return;
    block.source ??= source;
    if (block.source === source) delta(block, { type: 'thinking_delta', thinking: text });
  };

  const done = (outputIndex: number, item: JsonObject) => {
    const block = open(outputIndex, item);
    if (!block) return;
    if (block.kind === 'thinking') {
      if (!block.streamed && !options.omitThinking) {
        const text = reasoningText(item);
        if (text !== '') delta(block, { type: 'thinking_delta', thinking: text });
      }
      const signature = signatureOf(item.id, item.encrypted_content);
      if (signature !== '') delta(block, { type: 'signature_delta', signature });
    } else if (block.kind === 'text') {
      if (!block.streamed) {
        const text = messageText(item);
        if (text !== '') delta(block, { type: 'text_delta', text });
      }
    } else if (!block.streamed && typeof item.arguments === 'string' && item.arguments !== '') {
      delta(block, { type: 'input_json_delta', partial_json: item.arguments });
    }
    emit('content_block_stop', { index: block.index });
    blocks.delete(outputIndex);
  };

  const closeOpen = () => {
    for (const block of blocks.values()) emit('content_block_stop', { index: block.index });
    blocks.clear();
  };

  const fail = (code: string | null | undefined, message: string) => {
    if (ended) return;
    ended = true;
    start();
    closeOpen();
    emit('error', anthropicErrorBody(anthropicTypeOfCode(code), message));
  };

  const finish = (response: JsonObject) => {
    if (ended) return;
    ended = true;
    start();
    closeOpen();
    const usage = usageFromJson({ usage: response.usage });
    if (usage) options.onUsage?.(usage);
    emit('message_delta', { delta: { stop_reason: stopReason(response, usedTools), stop_sequence: null }, usage: messagesUsage(response.usage) });
    emit('message_stop');
  };

  return new TransformStream<SseEvent, SseEvent>({
    start(c) {
      controller = c;
    },
    transform(sse) {
      if (ended) return;
      let data: JsonObject;
      try {
        data = JSON.parse(sse.data);
      } catch {
        return fail('server_error', 'the upstream sent an event that is not JSON');
      }
      if (!data || typeof data !== 'object') return;
      const type = typeof data.type === 'string' ? data.type : sse.event;
      switch (type) {
        case 'response.created':
          return start();
        case 'response.output_item.added':
          start();
          return void open(data.output_index, data.item ?? {});
        case 'response.reasoning_summary_part.added':
          if (data.summary_index > 0) thinking(data.output_index, '\n\n', 'summary');
          return;
        case 'response.reasoning_summary_text.delta':
          return thinking(data.output_index, String(data.delta ?? ''), 'summary');
        case 'response.reasoning_text.delta':
          return thinking(data.output_index, String(data.delta ?? ''), 'raw');
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          return delta(blocks.get(data.output_index), { type: 'text_delta', text: String(data.delta ?? '') });
        case 'response.function_call_arguments.delta':
          return delta(blocks.get(data.output_index), { type: 'input_json_delta', partial_json: String(data.delta ?? '') });
        case 'response.output_item.done':
          start();
          return done(data.output_index, data.item ?? {});
        case 'response.completed':
        case 'response.incomplete':
          return finish(data.response ?? {});
        case 'response.failed': {
          const error = data.response?.error ?? {};
          return fail(error.code, String(error.message ?? 'the upstream failed'));
        }
        case 'error': {
          const error = data.error && typeof data.error === 'object' ? data.error : data;
          return fail(error.code ?? error.type, String(error.message ?? 'the upstream failed'));
        }
        default:
          // An upstream's in-band error with no type (`data: {"error":…}`).
          if (data.error && typeof data.error === 'object') return fail(data.error.code ?? data.error.type, String(data.error.message ?? 'the upstream failed'));
      }
    },
    flush() {
      // No terminal event: the stream broke, and the client must not take it for a whole answer.
      if (!ended) fail('server_error', 'the upstream stream ended before the answer was complete');
    },
  });
}
