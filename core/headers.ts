/**
 * Which headers cross the gateway. Credentials and hop-by-hop headers never do: the provider key is
 * added by the sender, and the client's own key stays with the gateway.
 */
const CLIENT_ONLY = new Set([
  'authorization', 'x-api-key', 'api-key', 'cookie', 'host', 'content-length', 'connection', 'keep-alive',
  'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'accept-encoding', 'proxy-authorization',
  'proxy-connection', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
]);

/** Client headers worth passing on (accept, user-agent, openai-beta, x-codex-*, session ids…). */
export function upstreamHeaders(client: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of client) if (!CLIENT_ONLY.has(name)) out.set(name, value);
  return out;
}

const UPSTREAM_ONLY = new Set([
  'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie',
  'date', 'server', 'alt-svc', 'strict-transport-security', 'x-request-id', 'cf-ray', 'cf-cache-status', 'via',
]);

/** Upstream headers the client may see (content-type, retry-after, rate-limit figures…). */
export function clientHeaders(upstream: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of upstream) if (!UPSTREAM_ONLY.has(name)) out[name] = value;
  const upstreamId = upstream.get('x-request-id');
  if (upstreamId) out['x-upstream-request-id'] = upstreamId;
  return out;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie', 'proxy-authorization']);

/** A plain object safe for the audit trail: credentials replaced by a mark. */
export function redactHeaders(headers: Headers | Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers);
  for (const [name, value] of entries) out[name.toLowerCase()] = SECRET_HEADERS.has(name.toLowerCase()) ? '[redacted]' : value;
  return out;
}
