/**
 * The node:http adapter: with plugin-routes.ts, the only place that reads IncomingMessage and
 * writes ServerResponse. It checks what must hold before anything else runs (a well-formed Host,
 * loopback-only callers when the gateway is open), routes paths, and writes replies — flushing each
 * streamed chunk — reporting to the pipeline only what went out on the wire.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ClientConnection, createContext, type MutableContext } from './context.ts';
import { NodeHeaders } from './node-headers.ts';
import { GatewayError } from './errors.ts';
import { errorBodyFor } from './front-doors/index.ts';
import { refuseRequest, serveModelRequest, type PipelineServices, type Reply, type ReplyIo } from './pipeline.ts';
import { limitedBody, readBody } from './request-body.ts';
import { matchApiRoute } from './api-routes.ts';
import type { WireResult } from './recorder.ts';
import { chunkSource, type ChunkSource } from './chunk-source.ts';
import { formatSseEvent } from './sse.ts';
import { streamFailureFrame } from './stream.ts';
import { drained } from './backpressure.ts';
import { matchPluginRoute, pathMethods, servePluginRoute } from './plugin-routes.ts';
import type { Scrubbing, SecretScrubber } from './secret-scrubber.ts';
import { checkCaller, parseHost } from './callers.ts';
import type { Endpoint, EventStream, PluginRoute } from './types.ts';
import type { Metrics } from './metrics.ts';

const MODEL_ROUTES: Record<string, { method: string; endpoint: Endpoint }> = {
  '/v1/responses': { method: 'POST', endpoint: 'responses' },
  '/v1/chat/completions': { method: 'POST', endpoint: 'chat.completions' },
  '/v1/messages': { method: 'POST', endpoint: 'messages' },
  '/v1/messages/count_tokens': { method: 'POST', endpoint: 'messages.count_tokens' },
  '/v1/models': { method: 'GET', endpoint: 'models' },
};

export interface ServerServices extends PipelineServices {
  bodyLimit: number;
  /** The most a streamed upload (a file, audio, an image) may carry (`server.uploadLimit`). */
  uploadLimit: number;
  routes: readonly PluginRoute[];
  isClosing: () => boolean;
  /** Aborted when the gateway starts closing; plugin routes (live tails) end on it. */
  closing: AbortSignal;
  metrics: Metrics | undefined;
  /** Why the gateway serves loopback callers only (no master key), if it does. */
  loopbackOnly: () => string | undefined;
  /** A request began (`ctx`) and, later, its socket work is over (the returned function). */
  begin: (ctx: MutableContext) => () => void;
}

export function createRequestListener(services: ServerServices) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void handle(services, req, res);
  };
}

async function handle(services: ServerServices, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const modelRoute = MODEL_ROUTES[path];
  // The rest of the OpenAI API (and a provider's own under /p/), unless the path is a model API's.
  const api = modelRoute?.method === method ? undefined : matchApiRoute(method, path);
  const model = api ? undefined : modelRoute;
  // Model requests are drained on shutdown; plugin routes (a live tail never ends) stop at once.
  const connection = new ClientConnection(model || api ? undefined : services.closing);
  const ctx = createContext({
    method,
    path,
    headers: new NodeHeaders(req.headers),
    connection,
    log: services.recorder.log,
    endpoint: model?.endpoint ?? api?.family ?? null,
    node: { req, res },
    upstreamPath: api ? api.upstreamPath + (q === -1 ? '' : url.slice(q)) : undefined,
  });
  const done = services.begin(ctx);
  // One listener for both: 'close' before the response finished means the client went away.
  res.once('close', () => {
    if (!res.writableFinished) connection.close();
    done();
  });
  res.setHeader('x-request-id', ctx.id);
  const io: ReplyIo = {
    readBody: () => readBody(req, services.bodyLimit),
    streamBody: () => limitedBody(req, services.uploadLimit),
    holdLimit: services.bodyLimit,
    write: (reply: Reply) => writeReply(req, res, reply, ctx, services),
  };

  // A Host node accepted but no URL could hold ('a b', 'x:99999', 'user@evil', a path): refused
  // before it reaches a route that builds a URL from it.
  const host = req.headers.host;
  if (host !== undefined && !parseHost(host)) return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_BAD_REQUEST', { message: 'The Host header is not a host name or address with an optional port' }), io);
  const loopbackOnly = services.loopbackOnly();
  if (loopbackOnly) {
    const refusal = checkCaller(req.headers.host, req.headers.origin, req.socket.localPort);
    if (refusal) return refuseRequest(services, ctx, refusal, io);
  }

  if (method === 'GET' || method === 'HEAD') {
    // Liveness: the process answers. Readiness: it takes new work (not while draining on shutdown).
    if (path === '/health') return sendJson(res, 200, { status: services.isClosing() ? 'closing' : 'ok' });
    if (path === '/ready') {
      // Ready while not draining; the upstream targets' breakers say what it can reach (a probe may care).
      const upstreams = services.health.list().map((t) => ({ target: t.id, provider: t.provider, state: t.state, setAside: t.setAsideUntil !== null }));
      return sendJson(res, services.isClosing() ? 503 : 200, { ready: !services.isClosing(), upstreams });
    }
    if (path === '/metrics' && services.metrics) return sendMetrics(res, services.metrics);
  }

  if (api) {
    if (services.isClosing()) return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_SHUTTING_DOWN'), io);
    return serveModelRequest(services, ctx, io, api.pathModel);
  }
  if (!model) {
    const pluginRoute = matchPluginRoute(services.routes, method, path);
    if (pluginRoute) return servePluginRoute(pluginRoute, ctx, req, res, services.recorder.log);
    const allowed = pathMethods(services.routes, path);
    if (allowed.length) return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_METHOD_NOT_ALLOWED', { args: [method, path, allowed.join(', ')], headers: { allow: allowed.join(', ') } }), io);
    return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_NOT_FOUND', { args: [method, path] }), io);
  }
  if (model.method !== method) {
    return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_METHOD_NOT_ALLOWED', { args: [method, path, model.method], headers: { allow: model.method } }), io);
  }
  if (services.isClosing()) return refuseRequest(services, ctx, new GatewayError('AURORA_ERR_SHUTTING_DOWN'), io);
  return serveModelRequest(services, ctx, io);
}

/**
 * Writes a reply and says what went out. A body that cannot be delivered whole is never ended as
 * if it were: before its first byte the client gets the failure as an error answer instead; after
 * it, a stream gets its failure frame and any other body a cut connection.
 */
async function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply, ctx: MutableContext, services: ServerServices): Promise<WireResult> {
  const headers: Record<string, string> = { ...reply.headers, 'x-request-id': ctx.id };
  // Answered before the request body arrived whole (401, 413…): close rather than wait out an
  // upload nobody will read. While draining, new work goes elsewhere.
  if (req.complete === false || services.isClosing()) headers.connection = 'close';
  const wire: WireResult = { status: reply.status, headers, ttfbMs: null, bytes: 0, ended: 'whole' };
  const scrubbing = services.scrubbing();
  const { body, events } = reply;
  if (!events && (body === null || typeof body === 'string' || body instanceof Uint8Array)) {
    const out = body === null || !scrubbing.active ? body ?? undefined : typeof body === 'string' ? scrubbing.text(body) : scrubbed(scrubbing.stream(), body);
    wire.bytes = out === undefined ? 0 : typeof out === 'string' ? Buffer.byteLength(out) : out.byteLength;
    if (out !== undefined) headers['content-length'] = String(wire.bytes);
    res.writeHead(reply.status, headers);
    wire.ttfbMs = performance.now() - ctx.startedAt;
    res.end(out);
    return wire;
  }

  const sse = String(headers['content-type'] ?? '').includes('text/event-stream');
  const out: Output = {
    wire,
    capture: reply.capture,
    scrubber: scrubbing.active && !events ? scrubbing.stream() : undefined,
    filter: reply.filter,
    // A streaming client should see 200 before the first token; any other answer sends its
    // headers with its first byte, so a body that fails before it can still become a 502.
    start: sse ? undefined : () => res.writeHead(reply.status, headers),
  };
  if (sse) {
    res.writeHead(reply.status, headers);
    res.flushHeaders();
  }
  services.metrics?.streamOpened();
  try {
    if (events) await writeEvents(events, res, ctx, out, reply.cutUpstream, scrubbing);
    else if (body instanceof Readable) await pipeNode(body, res, ctx, out, reply.idle);
    else await writeChunks(chunkSource(body as ReadableStream<Uint8Array>, reply.idle), res, ctx, out);
  } catch (err) {
    // A stream's failure frame says server_error, which clients (Codex) retry; a body, what broke.
    const failure = GatewayError.is(err) ? err : new GatewayError(sse ? 'AURORA_ERR_UPSTREAM_STREAM' : 'AURORA_ERR_UPSTREAM_INCOMPLETE', { args: [ctx.route?.provider.name ?? 'upstream', (err as Error)?.message ?? String(err)], cause: err });
    if (!ctx.connection.closed) {
      wire.ended = 'failed';
      wire.failure = failure;
      ctx.log.warn('response failed after it started', { code: failure.id, plugin: (err as { plugin?: string })?.plugin, err });
      if (sse) res.end(streamFailureFrame(ctx.clientApi, ctx.id, failure));
      else if (!res.headersSent) {
        // Nothing went out yet: the client gets the failure itself, in place of the status.
        const text = JSON.stringify(errorBodyFor(ctx.clientApi, failure, ctx.id));
        wire.status = failure.status;
        wire.headers = { 'content-type': 'application/json', 'x-request-id': ctx.id, ...failure.headers };
        res.writeHead(failure.status, wire.headers);
        wire.ttfbMs = performance.now() - ctx.startedAt;
        res.end(text);
      } else res.destroy(); // part of the body went out: only a cut connection tells the client it is not whole
    }
  } finally {
    services.metrics?.streamClosed();
  }
  if (ctx.connection.closed) {
    wire.ended = 'client_closed';
    return wire;
  }
  if (wire.ended === 'whole') res.end();
  return wire;
}

/** What the body writers share: the result being filled in, the copies, and the deferred head. */
interface Output {
  wire: WireResult;
  capture: Reply['capture'];
  scrubber: SecretScrubber | undefined;
  filter: Reply['filter'];
  /** Sends the status and headers (a non-stream body sends them with its first byte). */
  start: (() => void) | undefined;
}

function scrubbed(scrubber: SecretScrubber, chunk: Uint8Array): Uint8Array {
  const head = scrubber.push(chunk);
  const tail = scrubber.end();
  return tail.byteLength === 0 ? head : Buffer.concat([head, tail]);
}

/** Sends one chunk; false when the client cannot take more now. */
function send(res: ServerResponse, ctx: MutableContext, out: Output, chunk: Uint8Array): boolean {
  if (out.start) {
    out.start();
    out.start = undefined;
  }
  if (out.filter) {
    chunk = out.filter.push(chunk);
    if (chunk.byteLength === 0) return true;
  }
  out.wire.ttfbMs ??= performance.now() - ctx.startedAt;
  if (out.scrubber) chunk = out.scrubber.push(chunk);
  out.capture?.add(chunk);
  out.wire.bytes += chunk.byteLength;
  return res.write(chunk);
}

/** The end of a body that arrived whole: what the scrubber held back, and a head not sent yet (an empty body). */
function finishBody(res: ServerResponse, ctx: MutableContext, out: Output): void {
  const held = out.filter?.end();
  out.filter = undefined;
  if (held && held.byteLength > 0) send(res, ctx, out, held);
  const tail = out.scrubber?.end();
  if (tail && tail.byteLength > 0) {
    out.scrubber = undefined;
    send(res, ctx, out, tail);
  }
  if (out.start) {
    out.start();
    out.start = undefined;
  }
}

/** A web body (a plugin's own forward) to the client, chunk by chunk; stops when the client leaves. */
async function writeChunks(source: ChunkSource, res: ServerResponse, ctx: MutableContext, out: Output): Promise<void> {
  // A client that leaves releases the upstream at once, even while a read is waiting on it; a cut
  // makes the waiting read fail with its reason.
  ctx.connection.onEnd((reason) => source.cancel(reason));
  try {
    for (let chunk = await source.next(); chunk !== null && !ctx.connection.closed; chunk = await source.next()) {
      // write() returns false when the client reads slower than we produce: wait, do not buffer.
      if (!send(res, ctx, out, chunk)) await drained(res, ctx.signal);
    }
    if (!ctx.connection.closed) finishBody(res, ctx, out);
  } finally {
    ctx.connection.onEnd(undefined);
  }
}

/** Events to the client as SSE, each written (and so flushed) on its own; stops when the client leaves. */
async function writeEvents(events: EventStream, res: ServerResponse, ctx: MutableContext, out: Output, cutUpstream: Reply['cutUpstream'], scrubbing: Scrubbing): Promise<void> {
  const reader = events.getReader();
  // A client that leaves cancels the stream, and through it the upstream, even mid-wait. A cut
  // ends the upstream under the events instead, so the translator writes its own terminal event.
  ctx.connection.onEnd((reason) => (reason && cutUpstream ? cutUpstream(reason) : void reader.cancel(reason).catch(() => {})));
  try {
    for (let r = await reader.read(); !r.done && !ctx.connection.closed; r = await reader.read()) {
      // Whole events: scrubbed as text, nothing to hold back.
      const text = scrubbing.active ? scrubbing.text(formatSseEvent(r.value)) : formatSseEvent(r.value);
      // write() returns false when the client reads slower than we produce: wait, do not buffer.
      if (!send(res, ctx, out, Buffer.from(text))) await drained(res, ctx.signal);
    }
  } finally {
    ctx.connection.onEnd(undefined);
    reader.releaseLock();
  }
}

/**
 * Node stream to client, chunk by chunk as it arrives, pausing the upstream while the client is
 * slow. Rejects on an upstream failure, a cut, or when nothing arrives for `idle.ms`.
 */
function pipeNode(body: Readable, res: ServerResponse, ctx: MutableContext, out: Output, idle: Reply['idle']): Promise<void> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    let waiting = false;
    const arm = idle ? () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish(idle.error()), idle.ms);
    } : undefined;
    const onDrain = () => {
      waiting = false;
      body.resume();
    };
    const onData = (chunk: Buffer) => {
      arm?.();
      if (!send(res, ctx, out, chunk) && !waiting) {
        // The client reads slower than the upstream sends: hold the upstream, do not buffer.
        waiting = true;
        body.pause();
        res.once('drain', onDrain);
      }
    };
    const onEnd = () => finish();
    const onError = (err: Error) => finish(err);
    // An upstream socket that dies mid-body ends the message without 'end' on some node versions.
    const onClose = () => finish(body.readableEnded ? undefined : new Error('upstream closed the connection before the response finished'));
    function finish(err?: Error) {
      clearTimeout(timer);
      body.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (waiting) res.off('drain', onDrain);
      ctx.connection.onEnd(undefined);
      if (err || ctx.connection.closed) body.destroy();
      if (err) return reject(err);
      if (!ctx.connection.closed) finishBody(res, ctx, out);
      resolve();
    }
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    ctx.connection.onEnd((reason) => finish(reason));
    arm?.();
  });
}

async function sendMetrics(res: ServerResponse, metrics: Metrics) {
  const text = await metrics.registry.metrics();
  res.writeHead(200, { 'content-type': metrics.registry.contentType });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/**
 * Errors node:http raises before a request exists (header flood, slow headers, garbage): answered
 * in the OpenAI shape too, instead of node's bare status line, then the socket is closed.
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
  const id = err.code === 'HPE_HEADER_OVERFLOW' ? 'AURORA_ERR_HEADERS_TOO_LARGE' : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'AURORA_ERR_REQUEST_TIMEOUT' : 'AURORA_ERR_BAD_REQUEST';
  const error = new GatewayError(id);
  const body = JSON.stringify(error.toJSON());
  const reason = { 400: 'Bad Request', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[error.status] ?? 'Error';
  socket.end(`HTTP/1.1 ${error.status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

export interface HttpServerOptions {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** The node:http server every way of listening uses (see listen.ts). */
export function createHttpServer(listener: (req: IncomingMessage, res: ServerResponse) => void, options: HttpServerOptions): Server {
  const server = createServer({
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    // Node checks those timeouts only this often (default 30 s): check often enough to honour them.
    connectionsCheckingInterval: Math.min(1000, options.headersTimeoutMs),
    keepAliveTimeout: 65_000,
  }, listener);
  server.on('clientError', answerClientError);
  return server;
}
