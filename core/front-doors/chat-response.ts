/**
 * The hub's answer (a Responses object or its stream) → a Chat Completions answer: a
 * `chat.completion`, or `chat.completion.chunk` events ending with a finish reason, the usage chunk
 * when the client asked for it, and `[DONE]`. Reasoning goes out as `reasoning_content` (the field
 * DeepSeek-style clients read; others ignore it). A failure is an in-band error chunk and no
 * `[DONE]`, so a client never takes a broken answer for a whole one.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject, SseEvent, Usage } from '../types.ts';
import { usageFromJson } from '../usage.ts';

export interface ChatAnswerOptions {
  model: string;
  /** `stream_options.include_usage`: a last chunk with the usage and no choices. */
  includeUsage: boolean;
  onUsage?: (usage: Usage) => void;
}

function chatUsage(hub: unknown): JsonObject | null {
  const u = (hub && typeof hub === 'object' ? hub : null) as JsonObject | null;
  if (!u) return null;
  const prompt = int(u.input_tokens);
  const completion = int(u.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: prompt + completion,
    prompt_tokens_details: { cached_tokens: int(u.input_tokens_details?.cached_tokens) },
    completion_tokens_details: { reasoning_tokens: int(u.output_tokens_details?.reasoning_tokens) },
  };
}

function int(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? Math.max(0, Math.trunc(value)) : 0;
}

function finishReason(response: JsonObject, calledTools: boolean): string {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length';
  return calledTools ? 'tool_calls' : 'stop';
}

const now = () => Math.floor(Date.now() / 1000);

/** A whole hub response → a chat.completion (a failed one → the error body and the upstream's failure). */
export function hubToChatResponse(hub: JsonObject, options: ChatAnswerOptions): { body: JsonObject; failed?: { code: string; message: string } } {
  if (hub.status === 'failed') {
    const code = String(hub.error?.code ?? 'server_error');
    const message = String(hub.error?.message ?? 'the upstream failed to answer');
    return { body: { error: { message, type: 'upstream_error', param: null, code } }, failed: { code, message } };
  }
  let content = '';
  let reasoning = '';
  const toolCalls: JsonObject[] = [];
  for (const item of Array.isArray(hub.output) ? hub.output : []) {
    if (item?.type === 'message') content += (item.content ?? []).map((p: JsonObject) => p?.text ?? p?.refusal ?? '').join('');
    else if (item?.type === 'reasoning') reasoning += (item.summary?.length ? item.summary : item.content ?? []).map((p: JsonObject) => p?.text ?? '').join('');
    else if (item?.type === 'function_call') toolCalls.push({ id: item.call_id, type: 'function', function: { name: item.name, arguments: item.arguments ?? '' } });
    else if (item?.type === 'custom_tool_call') toolCalls.push({ id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input ?? '' } });
  }
  const message: JsonObject = { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    body: {
      id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
      object: 'chat.completion',
      created: typeof hub.created_at === 'number' ? hub.created_at : now(),
      model: options.model,
      choices: [{ index: 0, message, finish_reason: finishReason(hub, toolCalls.length > 0), logprobs: null }],
      usage: chatUsage(hub.usage),
    },
  };
}

export function hubToChatStream(options: ChatAnswerOptions): TransformStream<SseEvent, SseEvent> {
  const id = `chatcmpl-${randomUUID().replaceAll('-', '')}`;
  const created = now();
  // Tool calls by output_index → their index among the answer's tool calls.
  const calls = new Map<number, number>();
  const streamed = new Set<number>();
  let started = false;
  let ended = false;
  let controller!: TransformStreamDefaultController<SseEvent>;
  // The chunk prefix is the same for every chunk: written once, as text.
  const head = `{"id":"${id}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(options.model)},"choices":`;
  const chunk = (delta: JsonObject, finish: string | null = null) => controller.enqueue({ data: `${head}[{"index":0,"delta":${JSON.stringify(delta)},"logprobs":null,"finish_reason":${finish === null ? 'null' : `"${finish}"`}}]}` });
  const start = () => {
    if (started) return;
    started = true;
    chunk({ role: 'assistant', content: '' });
  };

  const fail = (error: JsonObject) => {
    if (ended) return;
    ended = true;
    controller.enqueue({ data: JSON.stringify({ error: { message: String(error.message ?? 'the upstream failed'), type: 'upstream_error', param: null, code: error.code ?? 'server_error' } }) });
  };

  const finish = (response: JsonObject) => {
    if (ended) return;
    ended = true;
    start();
    chunk({}, finishReason(response, calls.size > 0));
    const usage = usageFromJson({ usage: response.usage });
    if (usage) options.onUsage?.(usage);
    if (options.includeUsage) controller.enqueue({ data: `${head}[],"usage":${JSON.stringify(chatUsage(response.usage))}}` });
    controller.enqueue({ data: '[DONE]' });
  };

  return new TransformStream<SseEvent, SseEvent>({
    start(c) {
      controller = c;
    },
    transform(sse) {
      if (ended) return;
      let e: JsonObject;
      try {
        e = JSON.parse(sse.data);
      } catch {
        return fail({ code: 'server_error', message: 'the upstream sent an event that is not JSON' });
      }
      switch (e?.type ?? sse.event) {
        case 'response.created':
          return start();
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          start();
          return chunk({ content: String(e.delta ?? '') });
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          start();
          return chunk({ reasoning_content: String(e.delta ?? '') });
        case 'response.output_item.added': {
          const item = e.item ?? {};
          if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return;
          start();
          const index = calls.size;
          calls.set(e.output_index, index);
          return chunk({ tool_calls: [{ index, id: item.call_id, type: 'function', function: { name: item.name, arguments: '' } }] });
        }
        case 'response.function_call_arguments.delta':
        case 'response.custom_tool_call_input.delta': {
          const index = calls.get(e.output_index);
          // A custom tool's raw input is sent whole at its end, wrapped as JSON arguments.
          if (index === undefined || e.type === 'response.custom_tool_call_input.delta') return;
          streamed.add(e.output_index);
          return chunk({ tool_calls: [{ index, function: { arguments: String(e.delta ?? '') } }] });
        }
        case 'response.output_item.done': {
          const item = e.item ?? {};
          const index = calls.get(e.output_index);
          if (index === undefined || streamed.has(e.output_index)) return;
          const args = item.type === 'custom_tool_call' ? JSON.stringify({ input: item.input ?? '' }) : String(item.arguments ?? '');
          if (args !== '') chunk({ tool_calls: [{ index, function: { arguments: args } }] });
          return;
        }
        case 'response.completed':
        case 'response.incomplete':
          return finish(e.response ?? {});
        case 'response.failed':
          return fail(e.response?.error ?? {});
        case 'error':
          return fail(e.error && typeof e.error === 'object' ? e.error : e);
        default:
          if (e?.error && typeof e.error === 'object') fail(e.error);
      }
    },
    flush() {
      if (!ended) fail({ code: 'server_error', message: 'the upstream stream ended before the answer was complete' });
    },
  });
}
