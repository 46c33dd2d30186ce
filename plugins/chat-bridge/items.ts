/**
 * The Responses objects every translator to the Responses API builds alike, whatever the upstream
 * dialect: ids, the message and tool-call items, the terminal state's shape and the echoed
 * response skeleton. Shared by this plugin and the anthropic plugin so that Codex sees one shape.
 */
import { randomUUID } from 'node:crypto';
import type { JsonObject } from 'aurora';
import type { ToolTarget } from './tools.ts';

export type ItemStatus = 'completed' | 'incomplete';

/** How an answer ended, as the terminal event and the response object carry it. */
export interface TerminalState {
  status: 'completed' | 'incomplete' | 'failed';
  incomplete_details: { reason: string } | null;
  error: { code: string; message: string } | null;
}

/** What a response echoes: the client's Responses request and the model name it asked for. */
export interface EchoSource {
  request: JsonObject;
  model: string;
}

/** `prefix_` and 32 hex digits, the shape of OpenAI's ids (`resp_…`, `msg_…`, `fc_…`). randomUUID draws from a cached pool; randomBytes per id was a syscall-heavy ~3% of a translated stream's CPU. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

export function messageItem(id: string, text: string, status: ItemStatus | 'in_progress'): JsonObject {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: status === 'in_progress' ? [] : [{ type: 'output_text', text, annotations: [], logprobs: [] }],
  };
}

/**
 * A tool call as the client declared the tool: `custom_tool_call` with the raw input for custom
 * tools, `function_call` (with `namespace` for flattened MCP tools) otherwise.
 */
export function callItem(id: string, callId: string, target: ToolTarget, payload: string, status: ItemStatus | 'in_progress'): JsonObject {
  const item: JsonObject = target.custom
    ? { id, type: 'custom_tool_call', status, name: target.name, call_id: callId, input: payload }
    : { id, type: 'function_call', status, name: target.name, call_id: callId, arguments: payload };
  if (target.namespace) item.namespace = target.namespace;
  return item;
}

/** The response object: the echo of the request fields the API repeats on every response. */
export function responseSkeleton(ctx: EchoSource, id: string, createdAt: number): JsonObject {
  const r = ctx.request;
  return {
    id,
    object: 'response',
    created_at: createdAt,
    status: 'in_progress',
    background: false,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    metadata: r.metadata ?? {},
    model: ctx.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    prompt_cache_key: r.prompt_cache_key ?? null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    store: r.store ?? false,
    temperature: r.temperature ?? null,
    text: { format: { type: 'text' }, verbosity: 'medium', ...(r.text && typeof r.text === 'object' ? r.text : {}) },
    tool_choice: r.tool_choice ?? 'auto',
    tools: Array.isArray(r.tools) ? r.tools : [],
    top_p: r.top_p ?? null,
    truncation: r.truncation ?? 'disabled',
    usage: null,
  };
}

/**
 * Closes a whole (non-streamed) response: the item being written when the answer was cut off is
 * the incomplete one, and the state, output and usage go onto the response.
 */
export function settleResponse(response: JsonObject, output: JsonObject[], itemStatus: ItemStatus, state: TerminalState, usage: JsonObject | null): JsonObject {
  const last = output[output.length - 1];
  if (itemStatus === 'incomplete' && last && last.type !== 'reasoning') last.status = 'incomplete';
  response.status = state.status;
  response.error = state.error;
  response.incomplete_details = state.incomplete_details;
  response.output = output;
  response.usage = usage;
  return response;
}
