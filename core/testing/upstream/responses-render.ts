import type { ResolvedTurn } from './turn.ts';
import { MOCK_CREATED, type IdFactory } from './ids.ts';
import { sseEvent, type StreamPlan } from './sse.ts';
import { splitPieces } from './text.ts';
import { responsesUsage, type TokenCounts } from './usage.ts';

// OpenAI Responses wire format, shaped like the streams Codex accepted
// (shared/fixtures/codex/*.sse): reasoning as a summary item, then the message, then
// function calls, each item opened, filled by deltas and closed before the next.

export interface ResponsesRenderContext {
  id: string;
  model: string;
  request: Record<string, any>;
  pieces: number;
  tokens: TokenCounts;
  ids: IdFactory;
}

type Item = { id: string; type: 'reasoning' | 'message' | 'function_call'; [key: string]: unknown };

interface Ending {
  event: 'response.completed' | 'response.incomplete' | 'response.failed';
  status: 'completed' | 'incomplete' | 'failed';
  incomplete_details: { reason: string } | null;
  error: { code: string; message: string } | null;
}

function ending(turn: ResolvedTurn): Ending {
  switch (turn.finishReason) {
    case 'length':
      return { event: 'response.incomplete', status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, error: null };
    case 'content_filter':
      return { event: 'response.incomplete', status: 'incomplete', incomplete_details: { reason: 'content_filter' }, error: null };
    case 'insufficient_system_resource':
      return { event: 'response.failed', status: 'failed', incomplete_details: null, error: { code: 'server_error', message: 'The server ran out of resources.' } };
    default:
      return { event: 'response.completed', status: 'completed', incomplete_details: null, error: null };
  }
}

/** Final items, in output_index order. A cut-off turn leaves its last item incomplete. */
function buildItems(turn: ResolvedTurn, ctx: ResponsesRenderContext): Item[] {
  const items: Item[] = [];
  const wantsEncrypted = Array.isArray(ctx.request.include) && ctx.request.include.includes('reasoning.encrypted_content');
  if (turn.reasoning !== '') {
    items.push({
      id: ctx.ids.next('rs_'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: turn.reasoning }],
      // Opaque to clients; carrying the text lets a test check the round trip.
      encrypted_content: wantsEncrypted ? `gAAAAABmock_${Buffer.from(turn.reasoning).toString('base64url')}` : null,
    });
  }
  if (turn.content !== null) {
    items.push({
      id: ctx.ids.next('msg_'),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: turn.content, annotations: [], logprobs: [] }],
    });
  }
  for (const call of turn.toolCalls) {
    items.push({ id: ctx.ids.next('fc_'), type: 'function_call', status: 'completed', name: call.name, call_id: call.id, arguments: call.arguments });
  }
  const last = items.at(-1);
  if (last && 'status' in last && ending(turn).status !== 'completed') last.status = 'incomplete';
  return items;
}

function responseObject(ctx: ResponsesRenderContext, status: string, output: Item[], end: Ending | null) {
  const req = ctx.request;
  return {
    id: ctx.id,
    object: 'response',
    created_at: MOCK_CREATED,
    status,
    model: ctx.model,
    output,
    parallel_tool_calls: req.parallel_tool_calls ?? true,
    tool_choice: req.tool_choice ?? 'auto',
    tools: req.tools ?? [],
    metadata: req.metadata ?? {},
    usage: end ? responsesUsage(ctx.tokens) : null,
    error: end?.error ?? null,
    incomplete_details: end?.incomplete_details ?? null,
  };
}

export function responseJson(turn: ResolvedTurn, ctx: ResponsesRenderContext) {
  const end = ending(turn);
  return responseObject(ctx, end.status, buildItems(turn, ctx), end);
}

export function responseStream(turn: ResolvedTurn, ctx: ResponsesRenderContext): StreamPlan {
  const items = buildItems(turn, ctx);
  const end = ending(turn);
  const events: string[] = [];
  const emit = (type: string, fields: object) => events.push(sseEvent(type, { type, ...fields, sequence_number: events.length }));

  emit('response.created', { response: responseObject(ctx, 'in_progress', [], null) });
  emit('response.in_progress', { response: responseObject(ctx, 'in_progress', [], null) });
  items.forEach((item, output_index) => {
    const at = { item_id: item.id, output_index };
    if (item.type === 'reasoning') {
      const text = turn.reasoning;
      emit('response.output_item.added', { output_index, item: { id: item.id, type: 'reasoning', summary: [], encrypted_content: null } });
      emit('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { type: 'summary_text', text: '' } });
      for (const delta of splitPieces(text, ctx.pieces)) emit('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta });
      emit('response.reasoning_summary_text.done', { ...at, summary_index: 0, text });
      emit('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text } });
    } else if (item.type === 'message') {
      const text = turn.content ?? '';
      emit('response.output_item.added', { output_index, item: { id: item.id, type: 'message', status: 'in_progress', role: 'assistant', content: [] } });
      emit('response.content_part.added', { ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      for (const delta of splitPieces(text, ctx.pieces)) emit('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
      emit('response.output_text.done', { ...at, content_index: 0, text, logprobs: [] });
      emit('response.content_part.done', { ...at, content_index: 0, part: { type: 'output_text', text, annotations: [] } });
    } else {
      const args = String(item.arguments);
      emit('response.output_item.added', { output_index, item: { ...item, status: 'in_progress', arguments: '' } });
      for (const delta of splitPieces(args, ctx.pieces)) emit('response.function_call_arguments.delta', { ...at, delta });
      emit('response.function_call_arguments.done', { ...at, name: item.name, arguments: args });
    }
    emit('response.output_item.done', { output_index, item });
  });
  emit(end.event, { response: responseObject(ctx, end.status, items, end) });
  return { preamble: '', events };
}
