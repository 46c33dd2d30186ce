/**
 * Sending through http-proxy-3. It needs the raw node request and response (it hooks their close
 * events to abort the upstream at once), which is why this is the one forward that asks the core
 * for them. The body is the transformed one, not the client's bytes.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import { GatewayError, fetchUpstream, nodeBodyResponse, nodeRequestOf, requireApiKey, serializeBody, upstreamError, upstreamUrl, type RoutedContext, type UpstreamRequest } from 'aurora';

export const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;

// How a reused socket that the upstream already closed fails, depending on when the close lands.
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export interface ProxyForwarder {
  forward(request: UpstreamRequest, ctx: RoutedContext): Promise<Response>;
  close(): void;
}

export function createProxyForwarder(options: { maxSockets: number }): ProxyForwarder {
  const proxy = new ProxyServer();
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  // Errors are handled per call; without a listener http-proxy-3 would throw and kill the process.
  proxy.on('error', () => {});
  // One listener each, dispatching by client request: per-call listeners would make every event O(open calls).
  type Pending = { onProxyReq(req: ClientRequest): void; onProxyRes(res: IncomingMessage): void };
  const pending = new WeakMap<object, Pending>();
  proxy.on('proxyReq', (proxyReq, req) => pending.get(req)?.onProxyReq(proxyReq));
  proxy.on('proxyRes', (proxyRes, req) => pending.get(req)?.onProxyRes(proxyRes));

  async function forward(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
    try {
      return await send(request, ctx);
    } catch (err) {
      // A kept-alive socket the upstream closed while idle fails at our first write (ECONNRESET)
      // before the upstream read anything: send once more on a fresh socket, as Node's docs advise.
      if ((err as { staleSocket?: boolean }).staleSocket && !ctx.signal.aborted) return send(request, ctx);
      throw err;
    }
  }

  function send(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
    const raw = nodeRequestOf(ctx);
    if (!raw) return fetchUpstream(request, ctx);
    const { provider } = ctx.route;
    const key = requireApiKey(provider);
    const target = upstreamUrl(provider, request.path);
    const body = request.body === undefined ? undefined : serializeBody(request.body);
    const timeoutMs = provider.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
    const outgoing = request.headers;

    return new Promise<Response>((resolve, reject) => {
      let settled = false;
      let proxyReq: ClientRequest | undefined;
      const fail = (err: GatewayError | Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const timer = setTimeout(() => {
        proxyReq?.destroy();
        fail(new GatewayError('AURORA_ERR_UPSTREAM_TIMEOUT', { args: [provider.name, timeoutMs] }));
      }, timeoutMs);
      const onAbort = () => {
        proxyReq?.destroy();
        fail(ctx.signal.reason instanceof Error ? ctx.signal.reason : new Error('client closed the connection'));
      };
      ctx.signal.addEventListener('abort', onAbort, { once: true });

      const onProxyReq = (req: ClientRequest) => {
        proxyReq = req;
        // Send exactly the headers the pipeline decided on, not the client's (nor its key).
        for (const name of req.getHeaderNames()) if (name !== 'host' && !outgoing.has(name)) req.removeHeader(name);
        outgoing.forEach((value, name) => req.setHeader(name, value));
        req.setHeader('authorization', `Bearer ${key}`);
        if (body) {
          req.setHeader('content-type', 'application/json');
          req.setHeader('content-length', body.length);
        } else req.removeHeader('content-length');
      };
      const onProxyRes = (res: IncomingMessage) => {
        pending.delete(raw.req);
        if (settled) return void res.destroy();
        settled = true;
        clearTimeout(timer);
        res.once('close', () => ctx.signal.removeEventListener('abort', onAbort));
        // Pairs, not a Headers: the Response builds its own, and one copy per answer is enough.
        const headers: Array<[string, string]> = [];
        for (const name in res.headers) {
          const value = res.headers[name];
          if (value !== undefined) headers.push([name, Array.isArray(value) ? value.join(', ') : value]);
        }
        const status = res.statusCode ?? 502;
        // The body stays a node stream: the core pipes it node to node unless a transform needs a web stream.
        resolve(nodeBodyResponse(status === 204 || status === 304 ? null : res, { status, statusText: res.statusMessage, headers }));
      };
      pending.set(raw.req, { onProxyReq, onProxyRes });

      proxy.web(raw.req, raw.res, {
        target,
        ignorePath: true,
        changeOrigin: true,
        selfHandleResponse: true,
        method: request.method,
        buffer: Readable.from(body ? [body] : []),
        agent: target.startsWith('https:') ? agents.https : agents.http,
      }, (err) => {
        pending.delete(raw.req);
        ctx.signal.removeEventListener('abort', onAbort);
        if (ctx.signal.aborted) return fail(new Error('client closed the connection'));
        const failure = upstreamError(provider.name, err);
        if (proxyReq?.reusedSocket && STALE_SOCKET_CODES.has(String((err as NodeJS.ErrnoException).code))) Object.assign(failure, { staleSocket: true });
        fail(failure);
      });
    });
  }

  return {
    forward,
    close() {
      agents.http.destroy();
      agents.https.destroy();
      proxy.removeAllListeners();
    },
  };
}
