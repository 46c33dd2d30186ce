/**
 * Sending through http-proxy-3. It needs the raw node request and response (it ties the upstream
 * call to the client's socket and aborts it when the client goes away), which is why this is the
 * one forward that asks the core for them. The body is the transformed one, not the client's bytes.
 */
import { Agent as HttpAgent, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { ProxyServer } from 'http-proxy-3';
import { nodeHttpSend, requireApiKey, upstreamUrl, type RoutedContext, type UpstreamRequest } from 'aurora';
import { attemptSignalOf, awaitResponse, nodeRequestOf, outgoingHeaders, resendOnStaleSocket, sendFailure, serializeBody, writeBody } from 'aurora/node';

export interface ProxyForwarder {
  forward(request: UpstreamRequest, ctx: RoutedContext): Promise<Response>;
  close(): void;
}

const PENDING = Symbol('aurora.openai.pending');

interface Pending {
  onResponse(res: IncomingMessage): void;
  onError(err: Error): void;
}

export function createProxyForwarder(options: { maxSockets: number }): ProxyForwarder {
  const proxy = new ProxyServer();
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets }),
  };
  // One listener per event, dispatching by client request: per-call listeners would make every
  // event O(open calls). Without an 'error' listener http-proxy-3 would throw and kill the process.
  // The call in flight rides on its client request (a property, not a WeakMap: short-lived WeakMap
  // keys add ephemeron work to every garbage collection).
  const pendingOf = (req: unknown) => (req as { [PENDING]?: Pending })[PENDING];
  const setPending = (req: IncomingMessage, value: Pending | undefined) => void ((req as { [PENDING]?: Pending })[PENDING] = value);
  proxy.on('proxyRes', (proxyRes, req) => pendingOf(req)?.onResponse(proxyRes));
  proxy.on('error', (err, req) => pendingOf(req)?.onError(err));
  // http-proxy-3 reports a call it dropped because the client's socket closed here, not to the callback.
  proxy.on('econnreset', (err, req) => pendingOf(req)?.onError(err));
  // Targets parsed once per URL: http-proxy-3 would parse a string target on every call.
  const targets = new Map<string, URL>();
  const targetOf = (url: string) => {
    let target = targets.get(url);
    if (!target) targets.set(url, (target = new URL(url)));
    return target;
  };

  // Through http-proxy-3 when the request came in over node:http (always, from a listening gateway).
  const proxied = resendOnStaleSocket(send);
  const forward = (request: UpstreamRequest, ctx: RoutedContext) => (nodeRequestOf(ctx) ? proxied(request, ctx) : nodeHttpSend(request, ctx));

  function send(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
    const raw = nodeRequestOf(ctx)!;
    const { provider } = ctx.route;
    const target = targetOf(upstreamUrl(ctx.target ?? provider, request.path));
    const body = request.body === undefined ? undefined : serializeBody(request.body);
    // Exactly the headers the pipeline decided on, not the client's (nor its key).
    const headers = outgoingHeaders(request, requireApiKey(provider, ctx.target), body, provider);

    let proxyReq: ClientRequest | undefined;
    // The client leaving reaches http-proxy-3 through its socket (so ctx.signal, an AbortController
    // per request, is not needed); an attempt the router gave up on, the client still there, must
    // drop the upstream request here.
    const bounded = attemptSignalOf(ctx);
    if (bounded?.aborted) return Promise.reject(bounded.reason);
    const onAbort = () => answer.fail(bounded!.reason);
    const answer = awaitResponse(provider, () => {
      bounded?.removeEventListener('abort', onAbort);
      setPending(raw.req, undefined);
      proxyReq?.destroy();
    });
    bounded?.addEventListener('abort', onAbort, { once: true });
    const pending: Pending = {
      onResponse(res) {
        bounded?.removeEventListener('abort', onAbort);
        setPending(raw.req, undefined);
        // The body stays a node stream: the core pipes it node to node unless a transform needs a web stream.
        answer.respond(res);
      },
      onError: (err) => answer.fail(ctx.signal.aborted ? new Error('client closed the connection') : sendFailure(provider.name, err, proxyReq)),
    };
    setPending(raw.req, pending);

    // http-proxy-3 builds the outgoing headers from `req.headers`, synchronously inside web():
    // it sees ours for that moment. Rewriting them later (its proxyReq event) is skipped when the
    // client sent `Expect`, which would forward the client's own credentials.
    const clientHeaders = raw.req.headers;
    raw.req.headers = headers;
    try {
      proxy.web(raw.req, raw.res, {
        target,
        ignorePath: true,
        changeOrigin: true,
        selfHandleResponse: true,
        method: request.method,
        // What web() pipes into the upstream request: our bytes in one go, or an upload as it arrives.
        buffer: {
          pipe(upstream: ClientRequest) {
            proxyReq = upstream;
            writeBody(upstream, request, body, (err) => answer.fail(err));
            return upstream;
          },
        } as unknown as Readable,
        agent: target.protocol === 'https:' ? agents.https : agents.http,
      },
      // This call's errors, by callback: after an attempt the router gave up on, the client request
      // carries the next attempt, and the dropped call's late error must not fail that one.
      (err) => pending.onError(err));
    } finally {
      raw.req.headers = clientHeaders;
    }
    return answer.promise;
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
