/**
 * Sending to Anthropic. The core's `nodeHttpSend` authenticates with `Authorization: Bearer`;
 * Anthropic wants `x-api-key` and an `anthropic-version`. So this is a sender of its own, built
 * from the core's node helpers (the same pieces `nodeHttpSend` is made of): the pipeline's headers
 * and body as they are (a Messages request from a Messages client goes out as the client sent it,
 * bytes included, apart from the credentials; its `anthropic-version` and `anthropic-beta` pass
 * on), the provider key as `x-api-key`, kept-alive sockets, the headers timeout, abort with the
 * client, one resend on a stale socket. The answer streams back as it comes.
 *
 * A 401 from Anthropic is about the gateway's key, never the client's (the client's own key
 * stays with the gateway): it becomes a 400 `provider_not_configured` that says the operator has
 * to fix it, rather than a 401 that would send the client looking at its own key (and Claude
 * Code retrying for minutes). With a pool it stays a 401, which sets that key aside.
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { GatewayError, requireApiKey, upstreamUrl, type RoutedContext, type UpstreamRequest } from 'aurora';
import { awaitResponse, outgoingHeaders, resendOnStaleSocket, sendFailure, serializeBody } from 'aurora/node';

export interface AnthropicSender {
  forward(request: UpstreamRequest, ctx: RoutedContext): Promise<Response>;
  close(): void;
}

/** How much of an authentication error's body is read for the message. */
const ERROR_TEXT_LIMIT = 16 * 1024;

export function createSender(options: { apiVersion: string; maxSockets?: number }): AnthropicSender {
  const agents = {
    http: new HttpAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 }),
    https: new HttpsAgent({ keepAlive: true, maxSockets: options.maxSockets ?? 256 }),
  };

  function send(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
    const { provider } = ctx.route;
    const apiKey = requireApiKey(provider, ctx.target);
    const body = request.body === undefined ? undefined : serializeBody(request.body);
    const headers = outgoingHeaders(request, apiKey, body);
    delete headers.authorization;
    headers['x-api-key'] = apiKey;
    if (!headers['anthropic-version']) headers['anthropic-version'] = options.apiVersion;
    const url = new URL(upstreamUrl(ctx.target ?? provider, request.path));
    const signal = ctx.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const https = url.protocol === 'https:';

    const req: ClientRequest = (https ? httpsRequest : httpRequest)(url, { method: request.method, headers, agent: https ? agents.https : agents.http });
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
    req.end(body);
    return answer.promise;
  }

  const resending = resendOnStaleSocket(send);
  return {
    async forward(request, ctx) {
      const response = await resending(request, ctx);
      // In a pool, a refused key is the router's to set aside (the next key may be good).
      if (response.status === 401 && !ctx.route.provider.pool) throw await keyRefused(response, ctx);
      return response;
    },
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
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
