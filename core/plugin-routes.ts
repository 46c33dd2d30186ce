/**
 * Routes plugins add beside the model API (admin API, dashboard): matched by method and exact path
 * or `prefix*`, served as web Request → Response, streamed with backpressure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { drained } from './backpressure.ts';
import type { MutableContext } from './context.ts';
import { GatewayError } from './errors.ts';
import type { Logger } from './logger.ts';
import { isJsonType } from './request-body.ts';
import type { PluginRoute } from './types.ts';

export function matchPluginRoute(routes: readonly PluginRoute[], method: string, path: string): PluginRoute | undefined {
  const m = method === 'HEAD' ? 'GET' : method;
  return routes.find((r) => r.method === m && routeMatches(r.path, path));
}

export function pathMethods(routes: readonly PluginRoute[], path: string): string[] {
  return [...new Set(routes.filter((r) => routeMatches(r.path, path)).map((r) => r.method))];
}

function routeMatches(pattern: string, path: string): boolean {
  return pattern.endsWith('*') ? path.startsWith(pattern.slice(0, -1)) : pattern === path;
}

// Methods a web page can send with a simple (unannounced) request: POST. PUT, PATCH and DELETE
// always ask first (CORS preflight), which this gateway never grants.
const SIMPLE_METHODS = new Set(['POST']);

export async function servePluginRoute(route: PluginRoute, ctx: MutableContext, req: IncomingMessage, res: ServerResponse, log: Logger) {
  try {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    // A state change takes a JSON body only: a form or text/plain post is what a foreign web page
    // can make the browser send without asking.
    if (SIMPLE_METHODS.has(ctx.method) && !isJsonType(req.headers['content-type'])) {
      throw new GatewayError('AURORA_ERR_UNSUPPORTED_MEDIA_TYPE', { args: [req.headers['content-type']?.slice(0, 100) ?? 'none'] });
    }
    // The server checked the Host's form; the path comes from the request line alone.
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${ctx.path}${queryOf(req.url)}`, {
      method: req.method,
      headers: ctx.headers,
      body: hasBody ? (Readable.toWeb(req) as ReadableStream<Uint8Array>) : undefined,
      signal: ctx.signal,
      // @ts-expect-error: node's fetch needs half duplex for a streamed request body
      duplex: hasBody ? 'half' : undefined,
    });
    const response = await route.handler(request, ctx);
    const headers: Record<string, string> = { 'x-request-id': ctx.id };
    response.headers.forEach((value, name) => (headers[name] = value));
    res.writeHead(response.status, headers);
    res.flushHeaders();
    if (!response.body || req.method === 'HEAD') return void res.end();
    const reader = response.body.getReader();
    // A long-lived body (a live tail) ends when the client leaves or the gateway closes, not at its next chunk.
    const stop = () => void reader.cancel().catch(() => {});
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (!res.write(r.value)) await drained(res, ctx.signal);
      }
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
    res.end();
  } catch (err) {
    const error = GatewayError.is(err) ? err : new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] });
    if (!GatewayError.is(err) && !ctx.signal.aborted) log.error('unhandled error in plugin route', { requestId: ctx.id, path: ctx.path, err });
    if (res.headersSent) return void res.end();
    res.writeHead(error.status, { 'content-type': 'application/json', 'x-request-id': ctx.id, ...error.headers });
    res.end(JSON.stringify(error.toJSON()));
  }
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q === -1 ? '' : url!.slice(q);
}
