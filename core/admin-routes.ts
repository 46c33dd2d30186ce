/**
 * The admin API's shell, shared by every plugin that adds to it: routes under one prefix, each
 * request authenticated through the `onAuth` hook and allowed only to an admin principal, answers
 * in JSON, and every failure in the OpenAI error shape (a GatewayError renders itself; anything
 * else is a 500 with the request id, the detail in the log).
 */
import { GatewayError } from './errors.ts';
import type { GatewayServices, PluginRoute, Principal, RequestContext } from './types.ts';

/** Where the admin API lives; the dashboard calls it here. */
export const ADMIN_API_PREFIX = '/admin/api/v1';

export interface AdminRequest {
  request: Request;
  url: URL;
  principal: Principal;
  ctx: RequestContext;
}

export interface AdminRoute {
  method: PluginRoute['method'];
  /** Under ADMIN_API_PREFIX (`/keys`); ending with `*` for a prefix (`/keys/*`). */
  path: string;
  handler: (admin: AdminRequest) => Response | Promise<Response>;
}

export interface AdminRoutesOptions {
  /** Said in the 403 to a caller who is not an admin (`"Managing keys needs …"`). */
  forbidden?: string;
  /** Prefix of the log line for an unexpected failure (the plugin's name). */
  logAs?: string;
}

/** Plugin routes for `gateway.addRoute`, each behind authentication and the admin check. */
export function adminRoutes(gateway: Pick<GatewayServices, 'authenticate' | 'log'>, routes: readonly AdminRoute[], options: AdminRoutesOptions = {}): PluginRoute[] {
  return routes.map((route) => ({
    method: route.method,
    path: ADMIN_API_PREFIX + route.path,
    async handler(request, ctx) {
      try {
        const principal = await gateway.authenticate(request.headers, ctx);
        if (!principal) throw new GatewayError('AURORA_ERR_INVALID_API_KEY');
        if (!principal.admin) throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', { args: [options.forbidden ?? 'The admin API needs the master key or an admin key'] });
        return await route.handler({ request, url: new URL(request.url), principal, ctx });
      } catch (err) {
        if (GatewayError.is(err)) return err.toResponse();
        gateway.log.error(`${options.logAs ?? 'admin'}: admin API request failed`, { requestId: ctx.id, path: ctx.path, err });
        return new GatewayError('AURORA_ERR_INTERNAL', { args: [ctx.id] }).toResponse();
      }
    },
  }));
}

/** A JSON answer the admin API gives: never cached (it may carry keys or audited text). */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'cache-control': 'no-store', ...headers, 'content-type': 'application/json' } });
}

/** A JSON request body, read up to `limit` bytes (413 past it, 400 when it is not JSON). */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > limit) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] });
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body) {
    for await (const chunk of request.body as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      if (size > limit) throw new GatewayError('AURORA_ERR_BODY_TOO_LARGE', { args: [limit] });
      chunks.push(chunk);
    }
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new GatewayError('AURORA_ERR_INVALID_JSON', { args: [(err as Error).message] });
  }
}

/** The decoded last segment of a `…/*` route's path after `base`, or '' when it is not one plain segment. */
export function pathParam(url: URL, base: string): string {
  const raw = url.pathname.slice(ADMIN_API_PREFIX.length + base.length + 1);
  try {
    const value = decodeURIComponent(raw);
    return value.includes('/') ? '' : value;
  } catch {
    return ''; // a malformed escape is no id anybody has
  }
}
