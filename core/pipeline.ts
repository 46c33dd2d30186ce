/**
 * One model-API request through the hooks: auth → body → resolveModel → transformRequest →
 * forward → transformStream | transformResponse. Returns a `Reply` for the server to write; never
 * touches the socket, so the same code serves `listen()` and the in-process `request()`.
 */
import type { Readable } from 'node:stream';
import { BodyCapture } from './capture.ts';
import { chunkSource } from './chunk-source.ts';
import { hasBody, nodeBodyOf, readBodyText, takeBody } from './node-body.ts';
import type { MutableContext } from './context.ts';
import { GatewayError, errorBody, type OpenAIErrorBody } from './errors.ts';
import { clientHeaders, upstreamHeaders } from './headers.ts';
import type { Hooks } from './hooks.ts';
import type { HookWants } from './plugins.ts';
import { redact } from './logger.ts';
import { parseJsonBody, rememberRawBody, serializeBody } from './request-body.ts';
import { withRetries } from './retry.ts';
import { createLazyEventStream } from './stream.ts';
import { fetchUpstream, upstreamError, upstreamUrl } from './upstream.ts';
import type { Endpoint, EventStream, JsonObject, Route, RoutedContext, UpstreamRequest } from './types.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array | ReadableStream<Uint8Array> | Readable | null;
  /** Instead of `body`: events to format and send one by one (a reshaped stream). */
  events?: EventStream;
  /** The writer copies each streamed chunk here as it sends it. */
  capture?: BodyCapture;
  /** For a streamed body: end it with this error when nothing arrives for `ms`. */
  idle?: { ms: number; error: () => GatewayError };
}

/** What the audit record is built from, filled in as the request goes. */
export interface Exchange {
  requestBytes?: Uint8Array;
  upstreamRequest?: { url: string; headers: Headers; body: string | undefined };
  upstreamStatus?: number;
  upstreamHeaders?: Headers;
  /** The upstream body as received, when it differs from what the client got. */
  upstreamCapture?: BodyCapture;
  clientCapture?: BodyCapture;
  /** What went wrong, for the audit record (an upstream's own error included). */
  error?: { code: string; message: string };
}

export interface PipelineServices {
  hooks: Hooks;
  /** Whether any tap of a filterable hook wants this request (see `Filtered`). */
  wants: HookWants;
  /**
   * What to copy of this request's bodies: false, nothing; otherwise what the client receives is
   * copied (usage for the audit and metrics is read from it), keeping the first `n` bytes of each
   * body for the trail (0: only the tail that usage needs).
   */
  capture: (ctx: RoutedContext) => false | number;
  /** Known secrets, scrubbed from anything an upstream echoes back. */
  secrets: () => Iterable<string>;
}

const ENDPOINT_PATHS: Record<Endpoint, string> = {
  responses: '/responses',
  'chat.completions': '/chat/completions',
  models: '/models',
};

// Codex's own idle limit is 300 s; past that nobody is waiting for the stream any more.
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

// Used when nobody claims GET /v1/models: the list is then built by transformResponse taps alone.
const LOCAL_MODELS: Route = { provider: { name: 'aurora', baseUrl: 'aurora://local' }, model: '' };

export async function runPipeline(
  services: PipelineServices,
  ctx: MutableContext,
  readBody: () => Promise<Uint8Array>,
  exchange: Exchange,
): Promise<Reply> {
  const { hooks } = services;
  const endpoint = ctx.endpoint;
  if (endpoint === null) throw new Error('runPipeline serves model API paths only');
  const principal = await hooks.onAuth.promise(ctx.headers, ctx);
  if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
  ctx.principal = principal;

  let model = '';
  if (ctx.endpoint !== 'models') {
    const bytes = await readBody();
    exchange.requestBytes = bytes;
    ctx.body = parseJsonBody(bytes, ctx.headers.get('content-type') ?? undefined, endpoint);
    rememberRawBody(ctx.body, bytes);
    ctx.stream = ctx.body.stream === true;
    model = ctx.body.model as string;
  }

  const route = (await hooks.resolveModel.promise(model, ctx)) ?? (ctx.endpoint === 'models' ? LOCAL_MODELS : undefined);
  if (!route) throw new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', { args: [model], param: 'model' });
  ctx.route = route;
  const routed = ctx as RoutedContext;

  if (route === LOCAL_MODELS) return jsonReply(200, await hooks.transformResponse.promise({ object: 'list', data: [] }, routed), {});

  let request: UpstreamRequest = {
    method: ctx.method,
    path: ENDPOINT_PATHS[endpoint],
    headers: upstreamHeaders(ctx.headers),
    body: ctx.body && route.model !== model ? { ...ctx.body, model: route.model } : ctx.body,
  };
  if (services.wants.transformRequest(routed)) request = await hooks.transformRequest.promise(request, routed);

  const captureLimit = services.capture(routed);
  const capture = captureLimit !== false;
  const keepBodies = capture && captureLimit > 0;
  // The upstream request is kept only for a trail that keeps bodies (usage needs none of it).
  if (keepBodies) {
    const body = request.body === undefined ? undefined : Buffer.from(serializeBody(request.body)).toString('utf8');
    exchange.upstreamRequest = { url: upstreamUrl(route.provider, request.path), headers: request.headers, body };
  }
  const forward = route.provider.forward ?? fetchUpstream;
  const upstream = await withRetries(route.provider.retry, ctx, () => forward(request, routed));
  exchange.upstreamStatus = upstream.status;
  exchange.upstreamHeaders = upstream.headers;

  if (upstream.status >= 400) {
    const { reply, error } = await upstreamErrorReply(upstream, route, services);
    if (capture) {
      exchange.clientCapture = captureOf(reply.body as string, captureLimit);
      exchange.upstreamCapture = exchange.clientCapture;
    }
    exchange.error = { code: error.code ?? `upstream_${reply.status}`, message: error.message };
    return reply;
  }
  const headers = clientHeaders(upstream.headers);
  const contentType = upstream.headers.get('content-type') ?? '';
  if (!hasBody(upstream)) return { status: upstream.status, headers, body: null };

  const isStream = contentType.includes('text/event-stream');
  const idleMs = route.provider.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idle = isStream ? { ms: idleMs, error: () => new GatewayError('AURORA_ERR_UPSTREAM_IDLE', { args: [route.provider.name, idleMs] }) } : undefined;
  // What a transform reads: the body as it is (node or web), chunk by chunk, with the idle limit.
  // Untransformed, the body goes to the writer as it is, with the same limit (`idle`).
  const chunks = () => chunkSource(takeBody(upstream)!, idle);
  // The client's copy is taken by the writer as it sends (no extra stream); the upstream's own copy
  // is only worth a tap when the trail keeps bodies and a plugin reshapes what the client gets.
  if (capture) exchange.clientCapture = new BodyCapture(captureLimit);

  if (isStream) {
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    let upstreamCopy: BodyCapture | undefined;
    const events = services.wants.transformStream(routed)
      ? createLazyEventStream(chunks, ctx, (err) => upstreamStreamError(route, err), (chunk) => upstreamCopy?.add(chunk))
      : undefined;
    const out = events && hooks.transformStream.call(events, routed);
    if (!events || out === events) {
      // Nobody reshapes this stream: bytes go out as they came, and the client copy is the upstream copy.
      exchange.upstreamCapture = exchange.clientCapture;
      return { status: upstream.status, headers, body: takeBody(upstream), capture: exchange.clientCapture, idle };
    }
    if (keepBodies) upstreamCopy = exchange.upstreamCapture = new BodyCapture(captureLimit);
    // The writer formats the events as it sends them (no serializing stream stage).
    return { status: upstream.status, headers, body: null, events: out, capture: exchange.clientCapture };
  }

  if (contentType.includes('json') && services.wants.transformResponse(routed)) {
    const text = await readBodyText(upstream);
    let json: JsonObject;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new GatewayError('AURORA_ERR_UPSTREAM_INVALID', { args: [route.provider.name, 'the body is not JSON'], cause: err });
    }
    if (keepBodies) exchange.upstreamCapture = captureOf(text, captureLimit);
    const reply = jsonReply(upstream.status, await hooks.transformResponse.promise(json, routed), headers);
    if (capture) exchange.clientCapture = captureOf(reply.body as string, captureLimit);
    return reply;
  }

  exchange.upstreamCapture = exchange.clientCapture;
  const node = nodeBodyOf(upstream);
  if (node) {
    // Untouched bytes straight from the socket: their length and encoding still hold (a fetch body
    // was decoded, so there they would not).
    for (const name of ['content-length', 'content-encoding']) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
  }
  return { status: upstream.status, headers, body: node ?? takeBody(upstream), capture: exchange.clientCapture };
}

function captureOf(text: string, limit: number): BodyCapture {
  const capture = new BodyCapture(limit);
  capture.add(Buffer.from(text));
  return capture;
}

export function jsonReply(status: number, body: unknown, headers: Record<string, string>): Reply {
  return { status, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/**
 * Upstream said no: keep its status, message and Retry-After, in the OpenAI error shape, with any
 * secret it echoed (some providers repeat the key they rejected) scrubbed.
 */
async function upstreamErrorReply(upstream: Response, route: Route, services: PipelineServices): Promise<{ reply: Reply; error: OpenAIErrorBody['error'] }> {
  const text = redact(await readBodyText(upstream).catch(() => ''), services.secrets());
  let body: OpenAIErrorBody;
  try {
    const json = JSON.parse(text);
    const e = json?.error;
    if (e && typeof e === 'object') {
      body = errorBody(String(e.message ?? text), String(e.type ?? 'upstream_error'), e.code == null ? null : String(e.code), e.param == null ? null : String(e.param));
    } else if (typeof e === 'string' || typeof json?.message === 'string') {
      body = errorBody(String(typeof e === 'string' ? e : json.message), 'upstream_error', `upstream_${upstream.status}`);
    } else throw new Error('not an error object');
  } catch {
    body = errorBody(text || `Provider ${route.provider.name} answered ${upstream.status} ${upstream.statusText}`, 'upstream_error', `upstream_${upstream.status}`);
  }
  return { reply: jsonReply(upstream.status, body, clientHeaders(upstream.headers)), error: body.error };
}

/** A failure after the stream started, described for the in-band error event. */
function upstreamStreamError(route: Route, err: unknown): GatewayError {
  const known = GatewayError.is(err) ? err : upstreamError(route.provider.name, err);
  return new GatewayError('AURORA_ERR_UPSTREAM_STREAM', { args: [route.provider.name, known.message], cause: err });
}

