/**
 * One model-API request through the hooks: auth → body → resolveModel → transformRequest →
 * forward → transformStream | transformResponse. It holds the request's Recorder from start to
 * end and hands the server a `Reply` to write; it never touches the socket, so the same code
 * serves `listen()` and the in-process `request()`.
 */
import type { Readable } from 'node:stream';
import { BodyCapture } from './capture.ts';
import { chunkSource, type ChunkSource, type IdleLimit } from './chunk-source.ts';
import { askForChatUsage, ChatUsageFilter, keepChatUsage } from './chat-usage.ts';
import { estimateInputTokens } from './front-doors/count-tokens.ts';
import { DEFAULT_APIS, enterFrontDoor, errorBodyFor, upstreamErrorBodyFor, type FrontDoor } from './front-doors/index.ts';
import { anthropicModelList } from './front-doors/models.ts';
import { discardBody, hasBody, nodeBodyOf, readBodyText, takeBody } from './node-body.ts';
import type { MutableContext } from './context.ts';
import { GatewayError, errorBody, type OpenAIErrorBody } from './errors.ts';
import { clientHeaders, upstreamHeaders } from './headers.ts';
import type { Hooks } from './hooks.ts';
import type { HookWants } from './plugins.ts';
import { Recorder, type RecorderServices, type WireResult } from './recorder.ts';
import { isJsonType, parseJsonBody, rememberRawBody, serializeBody } from './request-body.ts';
import { withRetries } from './retry.ts';
import type { Health } from './routing/breakers.ts';
import type { Router } from './routing/router.ts';
import { orderTargets } from './routing/targets.ts';
import type { Scrubbing } from './secret-scrubber.ts';
import { SseEventTooLargeError } from './sse.ts';
import { createLazyEventStream } from './stream.ts';
import { DEFAULT_HEADERS_TIMEOUT_MS, nodeHttpSend, upstreamError, upstreamUrl } from './upstream.ts';
import type { ApiFamily, Attempt, Endpoint, EventStream, JsonObject, Route, RoutedContext, UpstreamRequest } from './types.ts';
import { readApiRequest } from './api-request.ts';
import { attachUpload, type Upload } from './upload.ts';

type ModelEndpoint = Exclude<Endpoint, ApiFamily>;

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
  /** For a streamed body: bytes taken out before they reach the client (the usage chunk it did not ask for). */
  filter?: ChatUsageFilter;
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
  /** Aliases and fallbacks (the config's `routing`). */
  router: Router;
  /** Breakers and set-aside keys of every upstream target. */
  health: Health;
}

/** How the server adapter reads the client's body and writes the answer; it reports what went out. */
export interface ReplyIo {
  /** The whole body, up to `server.bodyLimit`. */
  readBody(): Promise<Uint8Array>;
  /** The body as it arrives, up to `server.uploadLimit` (an upload passed on as a stream). */
  streamBody(): AsyncIterable<Buffer>;
  /** The most an upload may hold back while its form has not named its model (`server.bodyLimit`). */
  readonly holdLimit: number;
  write(reply: Reply): Promise<WireResult>;
}

const ENDPOINT_PATHS: Record<ModelEndpoint, string> = {
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

/**
 * Run a request of the model APIs or the rest of the OpenAI API to its end: the answer written,
 * the request recorded. `pathModel`: the model the path names (`p/<provider>` for a raw passthrough).
 */
export async function serveModelRequest(services: PipelineServices, ctx: MutableContext, io: ReplyIo, pathModel?: string): Promise<void> {
  const recorder = new Recorder(ctx, services.recorder);
  let reply: Reply;
  try {
    reply = await runPipeline(services, ctx, io, recorder, pathModel);
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

async function runPipeline(services: PipelineServices, ctx: MutableContext, io: ReplyIo, recorder: Recorder, pathModel: string | undefined): Promise<Reply> {
  const { hooks } = services;
  const endpoint = ctx.endpoint;
  if (endpoint === null) throw new Error('runPipeline serves model API paths only');
  const principal = await hooks.onAuth.promise(ctx.headers, ctx);
  if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
  ctx.principal = principal;

  let model = '';
  let upload: Upload | undefined;
  const family = ctx.upstreamPath === undefined ? undefined : (endpoint as ApiFamily);
  if (family) {
    const api = await readApiRequest(ctx, io, io.holdLimit);
    recorder.requestBytes = api.bytes;
    recorder.upload = upload = api.upload;
    model = pathModel ?? api.model;
  } else if (ctx.endpoint !== 'models') {
    const bytes = await io.readBody();
    recorder.requestBytes = bytes;
    ctx.body = parseJsonBody(bytes, ctx.headers.get('content-type') ?? undefined, endpoint);
    rememberRawBody(ctx.body, bytes);
    ctx.stream = ctx.body.stream === true;
    model = ctx.body.model as string;
  }

  // An alias is served as the model it names; the client's name stays in the body and the record.
  const served = model === '' ? model : services.router.served(model);
  const first = (await hooks.resolveModel.promise(served, ctx)) ?? (ctx.endpoint === 'models' ? LOCAL_MODELS : undefined);
  if (!first) {
    if (family === 'raw') throw new GatewayError('AURORA_ERR_ENDPOINT_NOT_SERVED', { args: [`No provider here passes ${ctx.path} through: the provider named in /p/{provider}/ must exist and enable its raw passthrough (the openai plugin's \`raw: true\`)`] });
    if (family && model === '') throw new GatewayError('AURORA_ERR_ENDPOINT_NOT_SERVED', { args: [`No provider here serves ${ctx.method} ${ctx.path}: the openai plugin without \`models\` serves the whole OpenAI API, or list ${family} in a provider's \`endpoints\``] });
    throw new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', { args: [model], param: 'model' });
  }
  if (family && !(first.provider.apis ?? DEFAULT_APIS).includes(family)) {
    throw new GatewayError('AURORA_ERR_ENDPOINT_NOT_SERVED', { args: [`${model ? `The model ${model} is served by ${first.provider.name}, which` : `Provider ${first.provider.name}`} does not serve ${ctx.method} ${ctx.path} (the ${family} API)`] });
  }
  ctx.route = first;
  const routed = ctx as RoutedContext;
  // A form that names its model after its upload started must agree with the route taken.
  upload?.onLateModel((late) => checkLateModel(services, ctx, first, late, upload!.bytes));

  if (first === LOCAL_MODELS) return jsonReply(200, modelList(await hooks.transformResponse.promise({ object: 'list', data: [] }, routed), ctx, services.router), {});
  if (endpoint === 'messages.count_tokens' && !(first.provider.apis ?? DEFAULT_APIS).includes('messages')) {
    // No upstream to ask: an estimate, and the answer says it is one.
    return jsonReply(200, { input_tokens: estimateInputTokens(ctx.body!) }, { 'x-aurora-token-count': 'estimate' });
  }

  const captureLimit = services.capture(routed);
  const capture = captureLimit !== false;
  const keepBodies = capture && captureLimit > 0;
  const sent = await sendWithFallbacks(services, ctx, recorder, served, first, keepBodies, upload);
  if ('status' in sent) {
    // Every attempt failed: the last upstream answer, as it came (an error status and its message).
    if (capture) recorder.clientCapture = recorder.upstreamCapture = captureOf(sent.body as string, captureLimit);
    return sent;
  }
  const { upstream, door, chatUsage } = sent;
  const route = ctx.route;
  recorder.upstreamStatus = upstream.status;
  recorder.upstreamHeaders = upstream.headers;

  const idleMs = route.provider.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const idle: IdleLimit = { ms: idleMs, error: () => new GatewayError('AURORA_ERR_UPSTREAM_IDLE', { args: [route.provider.name, idleMs] }) };
  const scrubbing = services.scrubbing();
  const scrub = scrubbing.active ? scrubbing.text : undefined;

  if (upstream.status >= 400) {
    const reply = await upstreamErrorReply(upstream, route, scrubbing, idle, ctx, recorder);
    if (capture) recorder.clientCapture = recorder.upstreamCapture = captureOf(reply.body as string, captureLimit);
    return reply;
  }
  const headers = clientHeaders(upstream.headers, scrub);
  const contentType = upstream.headers.get('content-type') ?? '';
  if (!hasBody(upstream)) return { status: upstream.status, headers, body: null };

  const isStream = contentType.includes('text/event-stream');
  // The client's copy is taken by the writer as it sends (no extra stream); the upstream's own copy
  // is only worth a tap when the trail keeps bodies and a plugin reshapes what the client gets.
  // Audio, images and files are counted, not kept.
  if (capture) recorder.clientCapture = new BodyCapture(captureLimit, isTextType(contentType) ? undefined : contentType || 'application/octet-stream');

  if (isStream) {
    headers['content-type'] = 'text/event-stream; charset=utf-8';
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    let upstreamCopy: BodyCapture | undefined;
    let source: ChunkSource | undefined;
    // What a transform reads: the body as it is (node or web), chunk by chunk, with the idle limit.
    const chunks = () => (source = chunkSource(takeBody(upstream)!, idle));
    // A Chat stream asked for usage on the client's behalf, which nobody reshapes: the bytes go out
    // as they came, only the usage chunk taken out (no parse of every event, no re-serializing).
    if (chatUsage && door === undefined && !services.wants.transformStream(routed)) {
      recorder.upstreamCapture = recorder.clientCapture;
      return { status: upstream.status, headers, body: takeBody(upstream), capture: recorder.clientCapture, idle, filter: new ChatUsageFilter(recorder) };
    }
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

  const listing = ctx.endpoint === 'models' && (wantsAnthropicModels(ctx) || Object.keys(services.router.aliases).length > 0);
  if (contentType.includes('json') && (door !== undefined || services.wants.transformResponse(routed) || listing)) {
    const text = await readWhole(upstream, route, services.upstreamBodyLimit, 'a response body', idle);
    let json: JsonObject;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new GatewayError('AURORA_ERR_UPSTREAM_INVALID', { args: [route.provider.name, 'the body is not JSON'], cause: err });
    }
    if (keepBodies) recorder.upstreamCapture = captureOf(text, captureLimit);
    const hub = await hooks.transformResponse.promise(json, routed);
    const answer = door ? door.answer(hub) : { status: upstream.status, body: ctx.endpoint === 'models' ? modelList(hub, ctx, services.router) : hub };
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
async function upstreamErrorReply(upstream: Response, route: Route, scrubbing: Scrubbing, idle: IdleLimit, ctx: MutableContext, recorder: Recorder): Promise<Reply> {
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
  recorder.fail({ code: body.error.code ?? `upstream_${upstream.status}`, message: body.error.message }, true);
  return jsonReply(upstream.status, shaped, clientHeaders(upstream.headers, scrubbing.active ? scrubbing.text : undefined));
}

/** What a successful attempt leaves for the answer. */
interface Sent {
  upstream: Response;
  door: FrontDoor | undefined;
  chatUsage: { body: JsonObject } | undefined;
}

/** The request as one attempt sends it: translated for its route, through transformRequest. */
async function prepareAttempt(services: PipelineServices, ctx: MutableContext, recorder: Recorder, keepBodies: boolean) {
  const routed = ctx as RoutedContext;
  const route = routed.route;
  const model = ctx.body?.model;
  // A provider that does not take the client's API gets the hub translation (ctx.body, ctx.endpoint).
  const door = enterFrontDoor(ctx, route.provider, recorder);
  // A route without a model (a raw passthrough, a request that named none) leaves the body's alone.
  let body = ctx.body && route.model && route.model !== model ? { ...ctx.body, model: route.model } : ctx.body;
  // Usage is wanted (audit, metrics, limits) but a Chat stream reports it only when asked.
  const chatUsage = services.capture(routed) !== false && ctx.endpoint === 'chat.completions' && ctx.stream && body ? askForChatUsage(body) : undefined;
  if (chatUsage) body = chatUsage.body;
  let request: UpstreamRequest = { method: ctx.method, path: ctx.upstreamPath ?? ENDPOINT_PATHS[ctx.endpoint as ModelEndpoint], headers: upstreamHeaders(ctx.headers), body };
  if (recorder.upload) attachUpload(request, recorder.upload);
  if (services.wants.transformRequest(routed)) request = await services.hooks.transformRequest.promise(request, routed);
  // The upstream request is kept only for a trail that keeps bodies (usage needs none of it).
  if (keepBodies) {
    // The client's own bytes (an untouched body is sent as it came): the trail reuses that copy.
    const bytes = request.body === undefined ? undefined : serializeBody(request.body);
    const text = bytes === undefined ? undefined : bytes === recorder.requestBytes ? 'client' : Buffer.from(bytes).toString('utf8');
    recorder.upstreamRequest = { url: upstreamUrl(routed.target, request.path), headers: request.headers, body: text };
  }
  return { request, door, chatUsage };
}

/**
 * The attempts of one request: its route's targets (a pool spreads them), then each fallback's,
 * until one answers. An attempt that fails before its answer started — no connection, no headers
 * in time, 429, 5xx, a refused provider key — hands the request to the next; any other answer
 * (a success, or a 4xx that the request itself earned) is the answer. Each attempt starts again
 * from the client's request, so a fallback to another provider is translated for that provider.
 * Returns the answer to process, or — every attempt failed — the last upstream error as a reply.
 */
async function sendWithFallbacks(services: PipelineServices, ctx: MutableContext, recorder: Recorder, served: string, first: Route, keepBodies: boolean, upload: Upload | undefined): Promise<Sent | Reply> {
  const { router, health } = services;
  const client = { body: ctx.body, endpoint: ctx.endpoint };
  // An upload is read as it is sent: one attempt, no fallback, no retry.
  const chain = upload ? [] : router.fallbacksOf(served);
  const candidates: Array<{ model: string; route: Route | undefined }> = [{ model: served, route: first }, ...chain.map((model) => ({ model, route: undefined }))];
  const attempts: Attempt[] = [];
  const deadline = ctx.startedAt + router.budgetMs;
  let lastReply: Reply | undefined;
  let lastError: unknown;
  const done = (sent: Sent | Reply): Sent | Reply => {
    if (attempts.length > 1) ctx.annotations.attempts = attempts;
    return sent;
  };

  for (let c = 0; c < candidates.length; c++) {
    const candidate = candidates[c]!;
    ctx.body = client.body;
    ctx.endpoint = client.endpoint;
    let route = candidate.route;
    if (!route) {
      try {
        route = await services.hooks.resolveModel.promise(candidate.model, ctx);
      } catch (err) {
        // A fallback this key may not use (403) or no one can serve is skipped, not the request's end.
        if (!GatewayError.is(err) || err.status >= 500) throw err;
        attempts.push({ model: candidate.model, provider: null, target: null, outcome: 'skipped', reason: err.code });
        continue;
      }
      if (!route) {
        attempts.push({ model: candidate.model, provider: null, target: null, outcome: 'skipped', reason: 'model_not_found' });
        continue;
      }
    }
    const targets = orderTargets(route.provider, health);
    for (let t = 0; t < targets.length; t++) {
      const target = targets[t]!;
      const base = { model: candidate.model, provider: route.provider.name, target: target.id };
      if (!health.admits(target.id)) {
        attempts.push({ ...base, outcome: 'skipped', reason: 'unavailable' });
        continue;
      }
      const remaining = deadline - performance.now();
      if ((remaining <= 0 || upload?.taken) && attempts.length > 0) break;
      const last = upload !== undefined || (c === candidates.length - 1 && t === targets.length - 1);
      ctx.body = client.body;
      ctx.endpoint = client.endpoint;
      ctx.route = route;
      ctx.target = target;
      const started = performance.now();
      let prepared: Awaited<ReturnType<typeof prepareAttempt>>;
      try {
        prepared = await prepareAttempt(services, ctx, recorder, keepBodies);
      } catch (err) {
        // A provider without its key is skipped for the next; any other refusal is the request's own.
        if (!GatewayError.is(err) || err.id !== 'AURORA_ERR_PROVIDER_NOT_CONFIGURED' || last) throw err;
        attempts.push({ ...base, outcome: 'skipped', reason: err.code });
        lastError = err;
        continue;
      }
      const forward = route.provider.forward ?? nodeHttpSend;
      const routed = ctx as RoutedContext;
      health.started(target.id, route.provider.name);
      recorder.target = target.id;
      // An attempt with another after it gets a shorter wait, so a hanging provider costs little;
      // one after others gets what is left of the budget.
      const bound = !last ? Math.min(router.attemptTimeoutMs, Math.max(1, remaining)) : attempts.length > 0 && remaining < (route.provider.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS) ? Math.max(1, remaining) : 0;
      const timer = bound ? attemptTimer(ctx, bound, route) : undefined;
      let upstream: Response;
      try {
        const call = withRetries(upload ? undefined : route.provider.retry, ctx, () => forward(prepared.request, routed));
        upstream = await untilEnded(ctx, timer ? timer.race(call) : call);
      } catch (err) {
        timer?.failed();
        health.finished(target.id);
        recorder.target = undefined;
        if (!isUpstreamFailure(err) || ctx.connection.closed || last) throw err;
        health.failed(target.id);
        attempts.push({ ...base, outcome: 'failed', reason: (err as GatewayError).code, ms: round(performance.now() - started) });
        services.recorder.metrics?.attempted(route.provider.name, 'failed');
        lastError = err;
        continue;
      }
      const verdict = judge(upstream.status);
      if (verdict === 'answer' || last) timer?.answered();
      else timer?.failed();
      if (verdict === 'answer' || last) {
        if (verdict === 'answer' && upstream.status < 500) health.succeeded(target.id);
        else if (verdict !== 'answer') health.failed(target.id);
        attempts.push({ ...base, outcome: upstream.status < 400 ? 'ok' : 'failed', status: upstream.status, ms: round(performance.now() - started) });
        services.recorder.metrics?.attempted(route.provider.name, upstream.status < 400 ? 'ok' : 'failed');
        if (c > 0) services.recorder.metrics?.fellBack(first.provider.name, route.provider.name);
        // This attempt's answer is the request's: an earlier attempt's error is in the attempts only.
        recorder.error = undefined;
        // Which member of a pool served it (one without a pool is its provider, recorded already).
        if (route.provider.pool) ctx.annotations.target = target.id;
        return done({ upstream, door: prepared.door, chatUsage: prepared.chatUsage });
      }
      // A failure the next attempt may not share: remember its answer (the client gets it if none
      // does better), let the target rest, and go on.
      if (verdict === 'key') health.setAside(target.id, route.provider.name, Date.now() + KEY_REFUSED_MS, `key refused (${upstream.status})`);
      else if (verdict === 'throttled') health.setAside(target.id, route.provider.name, Date.now() + retryAfterMs(upstream.headers.get('retry-after')), 'throttled (429)');
      else health.failed(target.id);
      health.finished(target.id);
      recorder.target = undefined;
      attempts.push({ ...base, outcome: 'failed', status: upstream.status, ms: round(performance.now() - started) });
      services.recorder.metrics?.attempted(route.provider.name, 'failed');
      const idle: IdleLimit = { ms: route.provider.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS, error: () => new GatewayError('AURORA_ERR_UPSTREAM_IDLE', { args: [route!.provider.name, route!.provider.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS] }) };
      recorder.upstreamStatus = upstream.status;
      recorder.upstreamHeaders = upstream.headers;
      lastReply = await upstreamErrorReply(upstream, route, services.scrubbing(), idle, ctx, recorder);
    }
  }
  if (attempts.length > 1) ctx.annotations.attempts = attempts;
  if (lastReply) return lastReply;
  if (lastError) throw lastError;
  throw new GatewayError('AURORA_ERR_NO_UPSTREAM', { args: [served], headers: { 'retry-after': String(Math.ceil(RETRY_UNAVAILABLE_MS / 1000)) } });
}

/**
 * A form that named its model only after its upload started: the route is taken, so the model
 * must be one this key may use and the same provider serves (else the upload is stopped).
 */
async function checkLateModel(services: PipelineServices, ctx: MutableContext, taken: Route, model: string, afterBytes: number): Promise<void> {
  const route = await services.hooks.resolveModel.promise(services.router.served(model), ctx);
  if (!route) throw new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', { args: [model], param: 'model' });
  if (route.provider !== taken.provider) {
    throw new GatewayError('AURORA_ERR_INVALID_MULTIPART', { args: [`the form names its model (${model}, served by ${route.provider.name}) only after ${afterBytes} bytes, when the upload had gone to ${taken.provider.name}; put the model field before the file`], param: 'model' });
  }
}

/** A body kept as text in the audit trail: JSON, events, text; anything else is counted, not kept. */
function isTextType(contentType: string): boolean {
  return contentType === '' || contentType.startsWith('text/') || isJsonType(contentType) || contentType.includes('json') || contentType.includes('xml');
}

// A refused key stays aside long enough not to be hammered, short enough to notice a fix.
const KEY_REFUSED_MS = 5 * 60_000;
const THROTTLED_MS = 30_000;
const RETRY_UNAVAILABLE_MS = 5_000;

/** What an upstream status means for the next attempt. */
function judge(status: number): 'answer' | 'key' | 'throttled' | 'upstream' {
  if (status < 400) return 'answer';
  if (status === 401 || status === 402 || status === 403) return 'key';
  if (status === 429) return 'throttled';
  if (status >= 500 || status === 408) return 'upstream';
  return 'answer'; // the request's own fault: another provider would refuse it too
}

function isUpstreamFailure(err: unknown): boolean {
  return GatewayError.is(err) && (err.id === 'AURORA_ERR_UPSTREAM_UNREACHABLE' || err.id === 'AURORA_ERR_UPSTREAM_TIMEOUT');
}

function retryAfterMs(header: string | null): number {
  if (!header) return THROTTLED_MS;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : THROTTLED_MS;
}

/** `call`, or a 504 after `ms`; an answer that comes later is let go. */
/**
 * Bounds one attempt: after `ms` without an answer its signal aborts (the forward drops the
 * upstream request, so a hanging upstream keeps no socket) and the race fails with a timeout.
 */
function attemptTimer(ctx: MutableContext, ms: number, route: Route): { race(call: Promise<Response>): Promise<Response>; answered(): void; failed(): void } {
  const controller = ctx.connection.beginAttempt();
  ctx.attemptSignal = controller.signal;
  let timer: NodeJS.Timeout | undefined;
  return {
    race(call) {
      return new Promise((resolve, reject) => {
        let timedOut = false;
        timer = setTimeout(() => {
          timedOut = true;
          const err = new GatewayError('AURORA_ERR_UPSTREAM_TIMEOUT', { args: [route.provider.name, Math.round(ms)] });
          controller.abort(err);
          reject(err);
        }, ms);
        call.then(
          (response) => {
            clearTimeout(timer);
            if (timedOut) void discardBody(response);
            else resolve(response);
          },
          (err) => {
            clearTimeout(timer);
            if (!timedOut) reject(err);
          },
        );
      });
    },
    answered() {
      // The answer is the request's: its signal keeps following the client for the body's sake.
      clearTimeout(timer);
    },
    failed() {
      clearTimeout(timer);
      ctx.connection.endAttempt();
      ctx.attemptSignal = undefined;
    },
  };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

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

/** The model list as the client's API shapes it, with the routing's aliases added. */
function modelList(list: JsonObject, ctx: MutableContext, router: Router): JsonObject {
  const aliases = Object.keys(router.aliases);
  if (aliases.length > 0 && Array.isArray(list.data)) {
    const listed = new Set(list.data.map((m: JsonObject) => m?.id));
    list = { ...list, data: [...list.data, ...aliases.filter((a) => !listed.has(a)).map((id) => ({ id, object: 'model', created: 0, owned_by: 'aurora' }))] };
  }
  return wantsAnthropicModels(ctx) ? anthropicModelList(list) : list;
}
