/**
 * Sending to Anthropic: the core's sender (`nodeHttpSend`: kept-alive sockets, the headers timeout,
 * abort with the client, one resend on a stale socket), with the key as `x-api-key` and an
 * `anthropic-version` when the client sent none (the provider's `keyHeader` and `defaultHeaders`).
 * A Messages client's own `anthropic-version` and `anthropic-beta` pass on.
 *
 * A 401 from Anthropic is about the gateway's key, never the client's (the client's own key
 * stays with the gateway): it becomes a 400 `provider_not_configured` that says the operator has
 * to fix it, rather than a 401 that would send the client looking at its own key (and Claude
 * Code retrying for minutes). With a pool it stays a 401, which sets that key aside.
 */
import { GatewayError, nodeHttpSend, type RoutedContext, type UpstreamRequest } from 'aurora';

/** How much of an authentication error's body is read for the message. */
const ERROR_TEXT_LIMIT = 16 * 1024;

export async function forwardToAnthropic(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
  const response = await nodeHttpSend(request, ctx);
  // In a pool, a refused key is the router's to set aside (the next key may be good).
  if (response.status === 401 && !ctx.route.provider.pool) throw await keyRefused(response, ctx);
  return response;
}

async function keyRefused(response: Response, ctx: RoutedContext): Promise<GatewayError> {
  const text = await boundedText(response, ERROR_TEXT_LIMIT);
  let detail = text.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { type?: unknown; message?: unknown } };
    if (parsed?.error && typeof parsed.error === 'object') detail = `${String(parsed.error.type ?? 'authentication_error')}: ${String(parsed.error.message ?? '')}`;
  } catch {
    // not JSON: the text as it is
  }
  const { provider } = ctx.route;
  return new GatewayError('AURORA_ERR_PROVIDER_NOT_CONFIGURED', {
    message: `Anthropic refused the API key of provider ${provider.name} (401${detail ? ` ${detail.slice(0, 300)}` : ''}). The key you sent to this gateway was accepted: the gateway operator must set a valid ${provider.apiKeyEnv ?? 'apiKey'} and restart it.`,
  });
}

/** At most `limit` bytes of a body, as text; the rest is let go. */
async function boundedText(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } catch {
    // a body that breaks off: what came is enough for a message
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}
