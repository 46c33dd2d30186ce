/**
 * The node:http adapter: with plugin-routes.ts, the only place that reads IncomingMessage and
 * writes ServerResponse.
 * It maps paths to endpoints, ties the request's AbortSignal to the client connection, writes
 * replies (flushing each streamed chunk) and reports every finished request for the audit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { ClientConnection, createContext, type MutableContext } from './context.ts';
import { NodeHeaders } from './node-headers.ts';
import { GatewayError } from './errors.ts';
import type { Logger } from './logger.ts';
import { runPipeline, type Exchange, type PipelineServices, type Reply } from './pipeline.ts';
import { readBody } from './request-body.ts';
import { chunkSource, type ChunkSource } from './chunk-source.ts';
import { formatSseEvent } from './sse.ts';
import { streamFailureFrame } from './stream.ts';
import { drained } from './backpressure.ts';
import { matchPluginRoute, pathMethods, servePluginRoute } from './plugin-routes.ts';
import type { Endpoint, EventStream, PluginRoute } from './types.ts';
import type { Finished } from './audit-record.ts';
import type { Metrics } from './metrics.ts';

const MODEL_ROUTES: Record<string, { method: string; endpoint: Endpoint }> = {
  '/v1/responses': { method: 'POST', endpoint: 'responses' },
  '/v1/chat/completions': { method: 'POST', endpoint: 'chat.completions' },
  '/v1/models': { method: 'GET', endpoint: 'models' },
};

export interface ServerServices extends PipelineServices {
  log: Logger;
  bodyLimit: number;
  routes: readonly PluginRoute[];
  isClosing: () => boolean;
  /** Aborted when the gateway starts closing; plugin routes (live tails) end on it. */
  closing: AbortSignal;
  metrics: Metrics | undefined;
  /** Called once per request when the client has its answer (or went away). */
  finish: (ctx: MutableContext, exchange: Exchange, finished: Finished) => void;
  /** Called once per request when its socket work is over (drain on shutdown counts these). */
  closed: () => void;
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
  const model = MODEL_ROUTES[path];
  // Model requests are drained on shutdown; plugin routes (a live tail never ends) stop at once.
  const connection = new ClientConnection(model ? undefined : services.closing);
  // One listener for both: 'close' before the response finished means the client went away.
  res.once('close', () => {
    if (!res.writableFinished) connection.close();
    services.closed();
  });
  const ctx = createContext({
    method,
    path,
    headers: new NodeHeaders(req.headers),
    connection,
    log: services.log,
    endpoint: model?.endpoint ?? null,
    node: { req, res },
  });
  res.setHeader('x-request-id', ctx.id);

  if (method === 'GET' || method === 'HEAD') {
    // Liveness: the process answers. Readiness: it takes new work (not while draining on shutdown).
    if (path === '/health') return sendJson(res, 200, { status: services.isClosing() ? 'closing' : 'ok' });
    if (path === '/ready') return sendJson(res, services.isClosing() ? 503 : 200, { ready: !services.isClosing() });
    if (path === '/metrics' && services.metrics) return sendMetrics(res, services.metrics);
  }

  if (!model) {
    const pluginRoute = matchPluginRoute(services.routes, method, path);
    if (pluginRoute) return servePluginRoute(pluginRoute, ctx, req, res, services.log);
    const allowed = pathMethods(services.routes, path);
    if (allowed.length) return sendError(res, ctx, new GatewayError('AURORA_ERR_METHOD_NOT_ALLOWED', { args: [method, path, allowed.join(', ')], headers: { allow: allowed.join(', ') } }), services);
    return sendError(res, ctx, new GatewayError('AURORA_ERR_NOT_FOUND', { args: [method, path] }), services);
  }
  if (model.method !== method) {
    return sendError(res, ctx, new GatewayError('AURORA_ERR_METHOD_NOT_ALLOWED', { args: [method, path, model.method], headers: { allow: model.method } }), services);
  }
  if (services.isClosing()) return sendError(res, ctx, new GatewayError('AURORA_ERR_SHUTTING_DOWN'), services);

  const exchange: Exchange = {};
  const timing = { ttfb: null as number | null };
  let reply: Reply;
  try {
    reply = await runPipeline(services, ctx, () => readBody(req, services.bodyLimit), exchange);
  } catch (err) {
    const error = toGatewayError(err, ctx, services.log);
    exchange.error = error;
    if (connection.closed) return finishAborted(services, ctx, exchange, error);
    return sendError(res, ctx, error, services, exchange);
  }
  await writeReply(res, reply, ctx, timing, exchange, services);
}

async function writeReply(res: ServerResponse, reply: Reply, ctx: MutableContext, timing: { ttfb: number | null }, exchange: Exchange, services: ServerServices) {
  const headers: Record<string, string> = { ...reply.headers, 'x-request-id': ctx.id };
  const body = reply.body;
  const capture = reply.capture;
  const events = reply.events;
  if (!events && (body === null || typeof body === 'string' || body instanceof Uint8Array)) {
    res.writeHead(reply.status, headers);
    timing.ttfb = performance.now() - ctx.startedAt;
    res.end(body ?? undefined);
    const error = exchange.error;
    return services.finish(ctx, exchange, { status: reply.status, headers, ttfbMs: timing.ttfb, outcome: error ? 'error' : 'ok', error });
  }
  res.writeHead(reply.status, headers);
  // A streaming client should see 200 before the first token; any other answer sends its headers
  // with its first bytes (one write instead of two).
  if (String(headers['content-type'] ?? '').includes('text/event-stream')) res.flushHeaders();
  let failure: GatewayError | undefined;
  services.metrics?.streamOpened();
  try {
    if (events) await writeEvents(events, res, ctx, timing, capture);
    else if (body instanceof Readable) await pipeNode(body, res, ctx, timing, capture, reply.idle);
    else await writeChunks(chunkSource(body as ReadableStream<Uint8Array>, reply.idle), res, ctx, timing, capture);
  } catch (err) {
    if (!ctx.connection.closed) {
      failure = GatewayError.is(err) ? err : new GatewayError('AURORA_ERR_UPSTREAM_STREAM', { args: [ctx.route?.provider.name ?? 'upstream', (err as Error)?.message ?? String(err)], cause: err });
      ctx.log.warn('stream failed after it started', { code: failure.id, plugin: (err as { plugin?: string })?.plugin, err });
      if (String(headers['content-type'] ?? '').includes('text/event-stream')) res.write(streamFailureFrame(ctx.endpoint, ctx.id, failure));
    }
  } finally {
    services.metrics?.streamClosed();
  }
  if (ctx.connection.closed) {
    exchange.error = { code: 'client_closed', message: 'the client closed the connection before the response finished' };
    return finishAborted(services, ctx, exchange, exchange.error, timing.ttfb, reply.status, headers);
  }
  res.end();
  exchange.error = failure;
  services.finish(ctx, exchange, { status: reply.status, headers, ttfbMs: timing.ttfb, outcome: failure ? 'error' : 'ok', error: failure });
}

/** A web body (a plugin's own forward) to the client, chunk by chunk; stops when the client leaves. */
async function writeChunks(source: ChunkSource, res: ServerResponse, ctx: MutableContext, timing: { ttfb: number | null }, capture: Reply['capture']): Promise<void> {
  // A client that leaves releases the upstream at once, even while a read is waiting on it.
  ctx.connection.onClose(() => source.cancel());
  try {
    for (let chunk = await source.next(); chunk !== null && !ctx.connection.closed; chunk = await source.next()) {
      timing.ttfb ??= performance.now() - ctx.startedAt;
      capture?.add(chunk);
      // write() returns false when the client reads slower than we produce: wait, do not buffer.
      if (!res.write(chunk)) await drained(res, ctx.signal);
    }
  } finally {
    ctx.connection.onClose(undefined);
  }
}

/** Events to the client as SSE, each written (and so flushed) on its own; stops when the client leaves. */
async function writeEvents(events: EventStream, res: ServerResponse, ctx: MutableContext, timing: { ttfb: number | null }, capture: Reply['capture']): Promise<void> {
  const reader = events.getReader();
  // A client that leaves cancels the stream, and through it the upstream, even mid-wait.
  ctx.connection.onClose(() => void reader.cancel().catch(() => {}));
  try {
    for (let r = await reader.read(); !r.done && !ctx.connection.closed; r = await reader.read()) {
      timing.ttfb ??= performance.now() - ctx.startedAt;
      const bytes = Buffer.from(formatSseEvent(r.value));
      capture?.add(bytes);
      // write() returns false when the client reads slower than we produce: wait, do not buffer.
      if (!res.write(bytes)) await drained(res, ctx.signal);
    }
  } finally {
    ctx.connection.onClose(undefined);
    reader.releaseLock();
  }
}

/**
 * Node stream to client, chunk by chunk as it arrives, pausing the upstream while the client is
 * slow. Rejects on an upstream failure or when nothing arrives for `idle.ms`.
 */
function pipeNode(body: Readable, res: ServerResponse, ctx: MutableContext, timing: { ttfb: number | null }, capture: Reply['capture'], idle: Reply['idle']): Promise<void> {
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
      timing.ttfb ??= performance.now() - ctx.startedAt;
      capture?.add(chunk);
      if (!res.write(chunk) && !waiting) {
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
      ctx.connection.onClose(undefined);
      if (err || ctx.connection.closed) body.destroy();
      if (err) reject(err);
      else resolve();
    }
    body.on('data', onData).once('end', onEnd).once('error', onError).once('close', onClose);
    ctx.connection.onClose(() => finish());
    arm?.();
  });
}

function finishAborted(services: ServerServices, ctx: MutableContext, exchange: Exchange, error: { code: string; message: string }, ttfb: number | null = null, status = 499, headers: Record<string, string> = {}) {
  ctx.log.info('client closed the connection', { path: ctx.path });
  services.finish(ctx, exchange, { status, headers, ttfbMs: ttfb, outcome: 'client_closed', error });
}

function sendError(res: ServerResponse, ctx: MutableContext, error: GatewayError, services: ServerServices, exchange: Exchange = {}) {
  const text = JSON.stringify(error.toJSON());
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': ctx.id, ...error.headers };
  // A body we stopped reading (413) would otherwise keep the socket busy: close it after answering.
  if (error.id === 'AURORA_ERR_BODY_TOO_LARGE' || error.id === 'AURORA_ERR_REQUEST_TIMEOUT') headers.connection = 'close';
  if (!res.headersSent) {
    res.writeHead(error.status, headers);
    res.end(text);
  } else res.end();
  exchange.error = error;
  services.finish(ctx, exchange, { status: error.status, headers, ttfbMs: performance.now() - ctx.startedAt, outcome: 'error', error, errorText: text });
}

/** Plugin errors that are not GatewayErrors are bugs: 500 with the request id, detail only in the log. */
function toGatewayError(err: unknown, ctx: MutableContext, log: Logger): GatewayError {
  if (GatewayError.is(err)) {
    if (err.status >= 500) log.warn(err.message, { requestId: ctx.id, code: err.id, plugin: err.plugin, hook: err.hook });
    return err;
  }
  if (ctx.connection.closed) return new GatewayError('AURORA_ERR_UPSTREAM_STREAM', { args: [ctx.route?.provider.name ?? 'upstream', 'client closed the connection'] });
  const tagged = err as { plugin?: string; hook?: string };
  log.error('unhandled error in request', { requestId: ctx.id, plugin: tagged?.plugin, hook: tagged?.hook, err });
  return new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] });
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

/** The node:http server every way of listening uses (gateway.listen, `node core --watch`). */
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
