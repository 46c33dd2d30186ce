/**
 * The default way a provider is called — `nodeHttpSend`: node:http(s) on kept-alive sockets,
 * streaming both ways, aborted with the client, and a bound on the wait for response headers.
 * Failures become GatewayErrors a client can act on.
 *
 * Not fetch: Node 20's fetch cost ~40% of a translated request's CPU in the bench profile (its
 * web-stream body, header validation and bookkeeping), and its body would be a web stream where
 * the core pipes node streams. The answer is still a web `Response` (its body kept a node stream
 * until a transform asks for a web one; see node-body.ts).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GatewayError } from './errors.ts';
import { nodeBodyResponse } from './node-body.ts';
import { forEachHeader } from './node-headers.ts';
import { serializeBody } from './request-body.ts';
import { uploadOf } from './upload.ts';
import type { Provider, RoutedContext, Target, UpstreamRequest } from './types.ts';

/** How long a provider may take to send its response headers, unless it sets `headersTimeoutMs`. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;

// Kept-alive sockets for every provider without a forward of its own; idle ones do not hold the
// process open (node unrefs free sockets).
const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

/** Join a base URL (a provider's or an attempt's target's) and a relative path without doubling or losing the slash. */
export function upstreamUrl(endpoint: { baseUrl: string }, path: string): string {
  const base = endpoint.baseUrl.endsWith('/') ? endpoint.baseUrl.slice(0, -1) : endpoint.baseUrl;
  return base + (path.startsWith('/') ? path : `/${path}`);
}

/**
 * The key to send (the attempt's target's, else the provider's): it must be set before the request
 * leaves; a missing one is the operator's to fix.
 */
export function requireApiKey(provider: Provider, target?: Target): string {
  const key = target ? target.apiKey : provider.apiKey;
  if (!key) {
    throw new GatewayError('AURORA_ERR_PROVIDER_NOT_CONFIGURED', { args: [provider.name, provider.apiKeyEnv ?? 'the provider apiKey option'] });
  }
  return key;
}

/**
 * The headers to send: the pipeline's, the provider key (as `Authorization: Bearer`, or in the
 * provider's `keyHeader`), the provider's default headers the request does not set, and the body's
 * type and length. An upload keeps the client's type (a form's boundary) and declared length;
 * without one it goes chunked.
 */
export function outgoingHeaders(request: UpstreamRequest, apiKey: string, body: Uint8Array | undefined, provider?: Pick<Provider, 'keyHeader' | 'defaultHeaders'>): IncomingHttpHeaders {
  // Null prototype: a client header may be named `constructor` or `__proto__`.
  const headers: IncomingHttpHeaders = Object.create(null);
  forEachHeader(request.headers, (name, value) => (headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value));
  const keyHeader = provider?.keyHeader;
  if (keyHeader && keyHeader !== 'authorization') {
    delete headers.authorization;
    headers[keyHeader] = apiKey;
  } else headers.authorization = `Bearer ${apiKey}`;
  if (provider?.defaultHeaders) for (const [name, value] of Object.entries(provider.defaultHeaders)) headers[name] ??= value;
  const upload = uploadOf(request);
  if (upload) {
    if (upload.contentLength !== undefined) headers['content-length'] = upload.contentLength;
    else delete headers['content-length'];
  } else if (body) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(body.length);
  } else delete headers['content-length'];
  return headers;
}

/**
 * Sends `request`'s body into `req`: its JSON bytes, or its upload as it arrives. An upload that
 * fails on the way (a malformed form, a body over the limit) fails the call with its error.
 */
export function writeBody(req: ClientRequest, request: UpstreamRequest, body: Uint8Array | undefined, fail: (err: unknown) => void): void {
  const upload = uploadOf(request);
  if (!upload) return void req.end(body);
  const stream = upload.stream();
  stream.once('error', (err) => fail(err));
  stream.pipe(req);
}

/**
 * One node:http call's wait for its response headers, shared by every node sender: it settles
 * once — with the answer, a failure, or a 504 after the provider's `headersTimeoutMs` — and
 * `abort` releases the call whenever it ends without an answer.
 *
 * A class, not an object literal with a `settled` getter: measured on the passthrough, that
 * literal made each request's objects survive young-generation collections (27% of the young
 * generation per scavenge instead of 6%), which cost ~20% CPU per request in the collector.
 */
export class ResponseWait {
  /** Whether the call has its answer or its failure (a late answer is then let go). */
  settled = false;
  readonly promise: Promise<Response>;
  #resolve!: (response: Response) => void;
  #reject!: (err: unknown) => void;
  readonly #timer: NodeJS.Timeout;
  readonly #abort: () => void;

  constructor(provider: Provider, abort: () => void) {
    this.promise = new Promise<Response>((res, rej) => ((this.#resolve = res), (this.#reject = rej)));
    this.#abort = abort;
    const timeoutMs = provider.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    this.#timer = setTimeout(() => this.fail(new GatewayError('AURORA_ERR_UPSTREAM_TIMEOUT', { args: [provider.name, timeoutMs] })), timeoutMs);
  }

  /** The headers arrived: the answer (a late one, after a failure, is let go). */
  respond(message: IncomingMessage): void {
    if (this.settled) return void message.destroy();
    this.settled = true;
    clearTimeout(this.#timer);
    // Headers arrived; from here the body may take as long as it takes (idle limits are the reader's).
    this.#resolve(nodeBodyResponse(message));
  }

  fail(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.#timer);
    this.#abort();
    this.#reject(err);
  }
}

export function awaitResponse(provider: Provider, abort: () => void): ResponseWait {
  return new ResponseWait(provider, abort);
}

// How a reused socket that the upstream already closed fails, depending on when the close lands.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

const STALE = Symbol('aurora.staleSocket');

/**
 * The 502 for a call that failed on the network. A kept-alive socket the upstream closed while
 * idle fails at our first write, before the upstream read anything: such a failure is marked, and
 * `resendOnStaleSocket` sends the call once more on a fresh socket, as Node's docs advise.
 */
export function sendFailure(providerName: string, err: unknown, req: ClientRequest | undefined): GatewayError {
  const failure = upstreamError(providerName, err);
  if (req?.reusedSocket && STALE_SOCKET_CODES.has(String((err as NodeJS.ErrnoException)?.code))) Object.assign(failure, { [STALE]: true });
  return failure;
}

type Send = (request: UpstreamRequest, ctx: RoutedContext) => Promise<Response>;

/** `send`, tried once more when its first try failed on a stale kept-alive socket (see sendFailure). */
export function resendOnStaleSocket(send: Send): Send {
  return async (request, ctx) => {
    try {
      return await send(request, ctx);
    } catch (err) {
      // An upload was consumed by the first try: it cannot be sent again.
      if ((err as { [STALE]?: boolean })?.[STALE] && !ctx.signal.aborted && !uploadOf(request)) return send(request, ctx);
      throw err;
    }
  };
}

/** The core's sender: what a provider without a `forward` is called with, and what a `forward` may wrap. */
export const nodeHttpSend: Send = resendOnStaleSocket(send);

function send(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
  const { provider } = ctx.route;
  const target = ctx.target;
  const body = request.body === undefined ? undefined : serializeBody(request.body);
  const headers = outgoingHeaders(request, requireApiKey(provider, target), body, provider);
  const url = new URL(upstreamUrl(target ?? provider, request.path));
  const signal = ctx.signal;
  if (signal.aborted) return Promise.reject(signal.reason);
  const https = url.protocol === 'https:';

  const req = (https ? httpsRequest : httpRequest)(url, { method: request.method, headers, agent: https ? agents.https : agents.http });
  const answer = awaitResponse(provider, () => {
    signal.removeEventListener('abort', onAbort);
    req.destroy();
  });
  // Before the answer: fail the call. After: end its body (the reader sees an error and stops).
  const onAbort = () => (answer.settled ? req.destroy() : answer.fail(signal.reason));
  signal.addEventListener('abort', onAbort, { once: true });
  req.on('error', (err) => answer.fail(signal.aborted ? signal.reason : sendFailure(provider.name, err, req)));
  req.on('response', (res) => {
    res.once('close', () => signal.removeEventListener('abort', onAbort));
    answer.respond(res);
  });
  writeBody(req, request, body, (err) => answer.fail(err));
  return answer.promise;
}

/** Map a network failure to 502 with the cause's code (ECONNREFUSED, ENOTFOUND…), never its stack. */
export function upstreamError(providerName: string, err: unknown): GatewayError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code ?? (err as Error)?.message ?? 'network error';
  return new GatewayError('AURORA_ERR_UPSTREAM_UNREACHABLE', { args: [providerName, code], cause: err });
}
