/**
 * The default way a provider is called: fetch, streaming both ways, aborted with the client, and a
 * bound on the wait for response headers. Failures become GatewayErrors a client can act on.
 */
import { GatewayError } from './errors.ts';
import { serializeBody } from './request-body.ts';
import type { Provider, RoutedContext, UpstreamRequest } from './types.ts';

export const DEFAULT_HEADERS_TIMEOUT_MS = 300_000;

/** Join a base URL and a provider-relative path without doubling or losing the slash. */
export function upstreamUrl(provider: Provider, path: string): string {
  const base = provider.baseUrl.endsWith('/') ? provider.baseUrl.slice(0, -1) : provider.baseUrl;
  return base + (path.startsWith('/') ? path : `/${path}`);
}

/** The key must be set before the request leaves; a missing one is the operator's to fix. */
export function requireApiKey(provider: Provider): string {
  if (!provider.apiKey) {
    throw new GatewayError('AURORA_ERR_PROVIDER_NOT_CONFIGURED', { args: [provider.name, provider.apiKeyEnv ?? 'the provider apiKey option'] });
  }
  return provider.apiKey;
}

export async function fetchUpstream(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
  const { provider } = ctx.route;
  const headers = new Headers(request.headers);
  headers.set('authorization', `Bearer ${requireApiKey(provider)}`);
  const timeoutMs = provider.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onClientAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const body = request.body === undefined ? undefined : serializeBody(request.body);
    if (body !== undefined) headers.set('content-type', 'application/json');
    const response = await fetch(upstreamUrl(provider, request.path), {
      method: request.method,
      headers,
      body: body as BodyInit | undefined,
      signal: controller.signal,
    });
    // Headers arrived; from here the body may take as long as it takes (idle limits are the reader's).
    clearTimeout(timer);
    return response;
  } catch (err) {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onClientAbort);
    if (timedOut) throw new GatewayError('AURORA_ERR_UPSTREAM_TIMEOUT', { args: [provider.name, timeoutMs], cause: err });
    if (ctx.signal.aborted) throw err;
    throw upstreamError(provider.name, err);
  }
}

/** Map a network failure to 502 with the cause's code (ECONNREFUSED, ENOTFOUND…), never its stack. */
export function upstreamError(providerName: string, err: unknown): GatewayError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (err as { code?: string })?.code ?? (err as Error)?.message ?? 'network error';
  return new GatewayError('AURORA_ERR_UPSTREAM_UNREACHABLE', { args: [providerName, code], cause: err });
}
