/**
 * One model-API request through the hooks: auth → body → resolveModel → transformRequest →
 * forward → transformStream | transformResponse. It holds the request's Recorder from start to
 * end and hands the server a `Reply` to write; it never touches the socket, so the same code
 * serves `listen()` and the in-process `request()`.
 */
import type { Readable } from 'node:stream';
import { BodyCapture } from './capture.ts';
import { chunkSource, type ChunkSource, type IdleLimit } from './chunk-source.ts';
import { askForChatUsage, keepChatUsage } from './chat-usage.ts';
import { estimateInputTokens } from './front-doors/count-tokens.ts';
import { DEFAULT_APIS, enterFrontDoor, errorBodyFor, upstreamErrorBodyFor } from './front-doors/index.ts';
import { anthropicModelList } from './front-doors/models.ts';
import { discardBody, hasBody, nodeBodyOf, readBodyText, takeBody } from './node-body.ts';
import type { MutableContext } from './context.ts';
import { GatewayError, errorBody, type OpenAIErrorBody } from './errors.ts';
import { clientHeaders, upstreamHeaders } from './headers.ts';
import type { Hooks } from './hooks.ts';
import type { HookWants } from './plugins.ts';
import { Recorder, type RecorderServices, type WireResult } from './recorder.ts';
import { parseJsonBody, rememberRawBody, serializeBody } from './request-body.ts';
import { withRetries } from './retry.ts';
import type { Scrubbing } from './secret-scrubber.ts';
import { SseEventTooLargeError } from './sse.ts';
import { createLazyEventStream } from './stream.ts';
import { nodeHttpSend, upstreamError, upstreamUrl } from './upstream.ts';
import type { Endpoint, EventStream, JsonObject, Route, RoutedContext, UpstreamRequest } from './types.ts';

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array | ReadableStream<Uint8Array> | Readable | null;
  /** Instead of `body`: events to format and send one by one (a reshaped stream). */
  events?: EventStream;
  /** The writer copies each body chunk here as it sends it. */
  capture?: BodyCapture;
  /** For a streamed body: fail it with this error when nothing arrives for `ms`. */
  idle?: IdleLimit;
  /** For `events`: end the upstream under them with `reason`, so the stream ends with its own failure event. */
  cutUpstream?: (reason: Error) => void;
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
  /** The gateway's secrets, scrubbed from anything an upstream echoes back. */
  scrubbing: () => Scrubbing;
  /** The largest upstream body the gateway holds whole (a translated answer, one streamed event, an error body). */
  upstreamBodyLimit: number;
  recorder: RecorderServices;
}

/** How the server adapter reads the client's body and writes the answer; it reports what went out. */
export interface ReplyIo {
  readBody(): Promise<Uint8Array>;
  write(reply: Reply): Promise<WireResult>;
}

const ENDPOINT_PATHS: Record<Endpoint, string> = {
  responses: '/responses',
  'chat.completions': '/chat/completions',
  messages: '/messages',
  'messages.count_tokens': '/messages/count_tokens',
  models: '/models',
};

// Codex's own idle limit is 300 s; past that nobody is waiting for the stream any more.
const DEFAULT_IDLE_TIMEOUT_MS = 300_000;

// An error message is a few hundred bytes; a body past this is not one worth passing on whole.
const ERROR_BODY_LIMIT = 1024 * 1024;

// Used when nobody claims GET /v1/models: the list is then built by transformResponse taps alone.
const LOCAL_MODELS: Route = { provider: { name: 'aurora', baseUrl: 'aurora://local' }, model: '' };

/** Run a model-API request to its end: the answer written, the request recorded. */
export async function serveModelRequest(services: PipelineServices, ctx: MutableContext, io: ReplyIo): Promise<void> {
  const recorder = new Recorder(ctx, services.recorder);
  let reply: Reply;
  try {
    reply = await runPipeline(services, ctx, io.readBody, recorder);
  } catch (err) {
    const error = toGatewayError(err, ctx, services.recorder);
    recorder.fail(error);
    if (ctx.connection.closed) return recorder.end({ status: 499, headers: {}, ttfbMs: null, bytes: 0, ended: 'client_closed' });
    reply = errorReply(error, ctx, recorder);
  }
  recorder.end(await io.write(reply));
}

/** Answer a request the gateway refuses before any hook runs (unknown path, wrong method, shutting down). */
export async function refuseRequest(services: PipelineServices, ctx: MutableContext, error: GatewayError, io: ReplyIo): Promise<void> {
  const recorder = new Recorder(ctx, services.recorder);
  recorder.fail(error);
  recorder.end(await io.write(errorReply(error, ctx, recorder)));
}

/** The gateway's own error answer, in the shape of the API the client called. */
export function errorReply(error: GatewayError, ctx: MutableContext, recorder?: Recorder): Reply {
  const body = JSON.stringify(errorBodyFor(ctx.clientApi, error, ctx.id));
  if (recorder) recorder.errorText = body;
  return { status: error.status, headers: { 'content-type': 'application/json', ...error.headers }, body };
}

async function runPipeline(services: PipelineServices, ctx: MutableContext, readBody: () => Promise<Uint8Array>, recorder: Recorder): Promise<Reply> {
  const { hooks } = services;
  const endpoint = ctx.endpoint;
  if (endpoint === null) throw new Error('runPipeline serves model API paths only');
  const principal = await hooks.onAuth.promise(ctx.headers, ctx);
  if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
  ctx.principal = principal;

  let model = '';
  if (ctx.endpoint !== 'models') {
    const bytes = await readBody();
    recorder.requestBytes = bytes;
    ctx.body = parseJsonBody(bytes, ctx.headers.get('content-type') ?? undefined, endpoint);
    rememberRawBody(ctx.body, bytes);
    ctx.stream = ctx.body.stream === true;
    model = ctx.body.model as string;
  }

  const route = (await hooks.resolveModel.promise(model, ctx)) ?? (ctx.endpoint === 'models' ? LOCAL_MODELS : undefined);
  if (!route) throw new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', { args: [model], param: 'model' });
  ctx.route = route;
  const routed = ctx as RoutedContext;

  if (route === LOCAL_MODELS) return jsonReply(200, modelList(await hooks.transformResponse.promise({ object: 'list', data: [] }, routed), ctx), {});
  if (endpoint === 'messages.count_tokens' && !(route.provider.apis ?? DEFAULT_APIS).includes('messages')) {
    // No upstream to ask: an estimate, and the answer says it is one.
    return jsonReply(200, { input_tokens: estimateInputTokens(ctx.body!) }, { 'x-aurora-token-count': 'estimate' });
  }
  // A provider that does not take the client's API gets the hub translation (ctx.body, ctx.endpoint).
  const door = enterFrontDoor(ctx, route.provider, recorder);

  const captureLimit = services.capture(routed);
  const capture = captureLimit !== false;
  const keepBodies = capture && captureLimit > 0;
  let body = ctx.body && route.model !== model ? { ...ctx.body, model: route.model } : ctx.body;
  // Usage is wanted (audit, metrics, limits) but a Chat stream reports it only when asked.
  const chatUsage = capture && ctx.endpoint === 'chat.completions' && ctx.stream && body ? askForChatUsage(body) : undefined;
  if (chatUsage) body = chatUsage.body;
  let request: UpstreamRequest = { method: ctx.method, path: ENDPOINT_PATHS[ctx.endpoint!], headers: upstreamHeaders(ctx.headers), body };
  if (services.wants.transformRequest(routed)) request = await hooks.transformRequest.promise(request, routed);

  // The upstream request is kept only for a trail that keeps bodies (usage needs none of it).
  if (keepBodies) {
    const text = request.body === undefined ? undefined : Buffer.from(serializeBody(request.body)).toString('utf8');
    recorder.upstreamRequest = { url: upstreamUrl(route.provider, request.path), headers: request.headers, body: text };
  }
  const forward = route.provider.forward ?? nodeHttpSend;
  const upstream = await untilEnded(ctx, withRetries(route.provider.retry, ctx, () => forward(request, routed)));
  recorder.upstreamStatus = upstream.status;
  recorder.upstreamHeaders = upstream.headers;

  const idleMs = route.provider.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idle: IdleLimit = { ms: idleMs, error: () => new GatewayError('AURORA_ERR_UPSTREAM_IDLE', { args: [route.provider.name, idleMs] }) };
  const scrubbing = services.scrubbing();
  const scrub = scrubbing.active ? scrubbing.text : undefined;

  if (upstream.status >= 400) {
    const { reply, error } = await upstreamErrorReply(upstream, route, scrubbing, idle, ctx);
    if (capture) {
      recorder.clientCapture = captureOf(reply.body as string, captureLimit);
      recorder.upstreamCapture = recorder.clientCapture;
    }
    recorder.fail({ code: error.code ?? `upstream_${reply.status}`, message: error.message }, true);
    return reply;
  }
  const headers = clientHeaders(upstream.headers, scrub);
  const contentType = upstream.headers.get('content-type') ?? '';
  if (!hasBody(upstream)) return { status: upstream.status, headers, body: null };

  const isStream = contentType.includes('text/event-stream');
  // The client's copy is taken by the writer as it sends (no extra stream); the upstream's own copy
  // is only worth a tap when the trail keeps bodies and a plugin reshapes what the client gets.
  if (capture) recorder.clientCapture = new BodyCapture(captureLimit);

  if (isStream) {
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    let upstreamCopy: BodyCapture | undefined;
    let source: ChunkSource | undefined;
    // What a transform reads: the body as it is (node or web), chunk by chunk, with the idle limit.
    const chunks = () => (source = chunkSource(takeBody(upstream)!, idle));
    const reshape = services.wants.transformStream(routed) || chatUsage !== undefined || door !== undefined;
    const events = reshape
      ? createLazyEventStream(chunks, ctx, (err) => upstreamStreamError(route, err, services.upstreamBodyLimit), (chunk) => upstreamCopy?.add(chunk), services.upstreamBodyLimit)
      : undefined;
    const kept = events && chatUsage ? events.pipeThrough(keepChatUsage(recorder)) : events;
    const transformed = kept && hooks.transformStream.call(kept, routed);
    // The hooks saw the hub's events; the client gets its own API's.
    const out = transformed && door ? transformed.pipeThrough(door.stream()) : transformed;
    if (!out || out === events) {
      // Nobody reshapes this stream: bytes go out as they came, and the client copy is the upstream copy.
      recorder.upstreamCapture = recorder.clientCapture;
      return { status: upstream.status, headers, body: takeBody(upstream), capture: recorder.clientCapture, idle };
    }
    if (keepBodies) upstreamCopy = recorder.upstreamCapture = new BodyCapture(captureLimit);
    // The writer formats the events as it sends them (no serializing stream stage).
    return { status: upstream.status, headers, body: null, events: out, capture: recorder.clientCapture, cutUpstream: (reason) => source?.cancel(reason) };
  }

  if (contentType.includes('json') && (door !== undefined || services.wants.transformResponse(routed) || wantsAnthropicModels(ctx))) {
    const text = await readWhole(upstream, route, services.upstreamBodyLimit, 'a response body', idle);
    let json: JsonObject;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new GatewayError('AURORA_ERR_UPSTREAM_INVALID', { args: [route.provider.name, 'the body is not JSON'], cause: err });
    }
    if (keepBodies) recorder.upstreamCapture = captureOf(text, captureLimit);
    const hub = await hooks.transformResponse.promise(json, routed);
    const answer = door ? door.answer(hub) : { status: upstream.status, body: ctx.endpoint === 'models' ? modelList(hub, ctx) : hub };
    if (door && answer.status !== upstream.status) recorder.fail({ code: 'upstream_failed', message: String(answer.body.error?.message ?? 'the upstream failed') }, true);
    const reply = jsonReply(answer.status, answer.body, headers);
    if (capture) recorder.clientCapture = captureOf(reply.body as string, captureLimit);
    return reply;
  }

  recorder.upstreamCapture = recorder.clientCapture;
  const node = nodeBodyOf(upstream);
  if (node) {
    // Untouched bytes straight from the socket: their length and encoding still hold (a fetch body
    // was decoded, so there they would not).
    for (const name of ['content-length', 'content-encoding']) {
      const value = upstream.headers.get(name);
      if (value) headers[name] = value;
    }
  }
  return { status: upstream.status, headers, body: node ?? takeBody(upstream), capture: recorder.clientCapture, idle };
}

/**
 * The forward's answer, unless the request ends first: the client leaves, or the gateway cuts it
 * at shutdown. A forward that ignores `ctx.signal` then answers into the void; its body is let go.
 */
function untilEnded(ctx: MutableContext, call: Promise<Response>): Promise<Response> {
  if (ctx.connection.closed) return Promise.reject(new Error('client closed the connection'));
  if (ctx.connection.cutError) return Promise.reject(ctx.connection.cutError);
  return new Promise((resolve, reject) => {
    let ended = false;
    ctx.connection.onEnd((reason) => {
      ended = true;
      reject(reason ?? new Error('client closed the connection'));
    });
    call.then(
      (response) => {
        if (ended) return void discardBody(response);
        ctx.connection.onEnd(undefined);
        resolve(response);
      },
      (err) => {
        if (ended) return;
        ctx.connection.onEnd(undefined);
        reject(err);
      },
    );
  });
}

/** A whole upstream body, bounded in size and in the wait for each chunk; a broken one is a 502. */
async function readWhole(response: Response, route: Route, limit: number, what: string, idle: IdleLimit): Promise<string> {
  try {
    return await readBodyText(response, { limit, idle, tooLarge: () => new GatewayError('AURORA_ERR_UPSTREAM_TOO_LARGE', { args: [route.provider.name, limit, what] }) });
  } catch (err) {
    if (GatewayError.is(err)) throw err;
    throw new GatewayError('AURORA_ERR_UPSTREAM_INCOMPLETE', { args: [route.provider.name, (err as Error)?.message ?? String(err)], cause: err });
  }
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
async function upstreamErrorReply(upstream: Response, route: Route, scrubbing: Scrubbing, idle: IdleLimit, ctx: MutableContext): Promise<{ reply: Reply; error: OpenAIErrorBody['error'] }> {
  const text = scrubbing.text(await readWhole(upstream, route, ERROR_BODY_LIMIT, `an error body (status ${upstream.status})`, idle));
  let body: OpenAIErrorBody;
  let json: unknown;
  try {
    json = JSON.parse(text);
    const e = (json as JsonObject | null)?.error;
    if (e && typeof e === 'object') {
      body = errorBody(String(e.message ?? text), String(e.type ?? 'upstream_error'), e.code == null ? null : String(e.code), e.param == null ? null : String(e.param));
    } else if (typeof e === 'string' || typeof (json as JsonObject | null)?.message === 'string') {
      body = errorBody(String(typeof e === 'string' ? e : (json as JsonObject).message), 'upstream_error', `upstream_${upstream.status}`);
    } else throw new Error('not an error object');
  } catch {
    body = errorBody(text || `Provider ${route.provider.name} answered ${upstream.status} ${upstream.statusText}`, 'upstream_error', `upstream_${upstream.status}`);
  }
  const shaped = upstreamErrorBodyFor(ctx.clientApi, upstream.status, body, json, ctx.id);
  return { reply: jsonReply(upstream.status, shaped, clientHeaders(upstream.headers, scrubbing.active ? scrubbing.text : undefined)), error: body.error };
}

/** A failure after the stream started, described for the in-band error event. */
function upstreamStreamError(route: Route, err: unknown, limit: number): GatewayError {
  if (err instanceof SseEventTooLargeError) return new GatewayError('AURORA_ERR_UPSTREAM_TOO_LARGE', { args: [route.provider.name, limit, 'one streamed event'], cause: err });
  if (GatewayError.is(err) && (err.id === 'AURORA_ERR_SHUTTING_DOWN' || err.id === 'AURORA_ERR_UPSTREAM_IDLE')) return err;
  const known = GatewayError.is(err) ? err : upstreamError(route.provider.name, err);
  return new GatewayError('AURORA_ERR_UPSTREAM_STREAM', { args: [route.provider.name, known.message], cause: err });
}

/** Plugin errors that are not GatewayErrors are bugs: 500 with the request id, detail only in the log. */
function toGatewayError(err: unknown, ctx: MutableContext, services: RecorderServices): GatewayError {
  if (GatewayError.is(err)) {
    if (err.status >= 500) services.log.warn(err.message, { requestId: ctx.id, code: err.id, plugin: err.plugin, hook: err.hook });
    return err;
  }
  if (ctx.connection.closed) return new GatewayError('AURORA_ERR_UPSTREAM_STREAM', { args: [ctx.route?.provider.name ?? 'upstream', 'client closed the connection'] });
  const tagged = err as { plugin?: string; hook?: string };
  services.log.error('unhandled error in request', { requestId: ctx.id, plugin: tagged?.plugin, hook: tagged?.hook, err });
  return new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] });
}

/** Anthropic clients (Claude Code's model discovery) list models in their API's shape. */
function wantsAnthropicModels(ctx: MutableContext): boolean {
  return ctx.endpoint === 'models' && ctx.headers.get('anthropic-version') !== null;
}

function modelList(list: JsonObject, ctx: MutableContext): JsonObject {
  return wantsAnthropicModels(ctx) ? anthropicModelList(list) : list;
}
