/**
 * Which headers cross the gateway. Credentials and hop-by-hop headers never do: the provider key is
 * added by the sender, and the client's own key stays with the gateway.
 */
import { redact } from './logger.ts';
import { NodeHeaders, forEachHeader } from './node-headers.ts';

const CLIENT_ONLY: ReadonlySet<string> = new Set([
  'authorization', 'x-api-key', 'api-key', 'cookie', 'host', 'content-length', 'connection', 'keep-alive',
  'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'accept-encoding', 'proxy-authorization',
  'proxy-connection', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip',
]);

/** Client headers worth passing on (accept, user-agent, openai-beta, x-codex-*, session ids…). */
export function upstreamHeaders(client: Headers): Headers {
  // node's parsed headers, seen through a filter: nothing is copied unless a plugin edits them.
  const node = NodeHeaders.sourceOf(client);
  if (node && !node.skip) return new NodeHeaders(node.source, CLIENT_ONLY);
  const out = new Headers();
  forEachHeader(client, (name, value) => CLIENT_ONLY.has(name) || out.append(name, value));
  return out;
}

const UPSTREAM_ONLY = new Set([
  'content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive', 'set-cookie',
  'date', 'server', 'alt-svc', 'strict-transport-security', 'x-request-id', 'cf-ray', 'cf-cache-status', 'via',
]);

/**
 * Upstream headers the client may see (content-type, retry-after, rate-limit figures…), with any
 * known secret an upstream echoed in a value replaced. A null-prototype object: a header may be
 * named `constructor` or `__proto__`.
 */
export function clientHeaders(upstream: Headers, scrub?: (value: string) => string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  forEachHeader(upstream, (name, value) => {
    if (UPSTREAM_ONLY.has(name)) return;
    if (scrub) value = scrub(value);
    out[name] = Object.hasOwn(out, name) ? `${out[name]}, ${value}` : value;
  });
  const upstreamId = upstream.get('x-request-id');
  if (upstreamId) out['x-upstream-request-id'] = scrub ? scrub(upstreamId) : upstreamId;
  return out;
}

const SECRET_HEADERS = new Set(['authorization', 'x-api-key', 'api-key', 'cookie', 'set-cookie', 'proxy-authorization']);

/** A plain object safe for the audit trail: credentials replaced by a mark, known secrets scrubbed from every value. */
export function redactHeaders(headers: Headers | Record<string, string>, secrets: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    if (SECRET_HEADERS.has(key)) out[key] = '[redacted]';
    else {
      value = redact(value, secrets);
      out[key] = Object.hasOwn(out, key) ? `${out[key]}, ${value}` : value;
    }
  };
  if (headers instanceof Headers) forEachHeader(headers, add);
  else for (const name of Object.keys(headers)) add(name, headers[name]!);
  return out;
}
