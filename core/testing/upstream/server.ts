import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EventEmitter, once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { MockReply, MockUpstream, MockUpstreamOptions, RecordedRequest } from './types.ts';
import type { RouteEnv, ScriptedTurn } from './route-env.ts';
import { Exchange } from './exchange.ts';
import { IdFactory } from './ids.ts';
import { isObject, parseBody, readBody, sendError, sendJson } from './http-io.ts';
import { modelList } from './models.ts';
import { ReplyQueue } from './reply-queue.ts';
import { handleChat } from './chat-route.ts';
import { FAMILIES } from './chat-families.ts';
import { handleResponses } from './responses-route.ts';
import { handleCountTokens, handleMessages, type MessagesEnv } from './messages-route.ts';
import { admitAnthropic, betasOf, sendAnthropicError } from './messages-http.ts';
import { PromptCache } from './messages-cache.ts';
import { OpenAiApiState, handleOpenAiApi, isOpenAiApiPath } from './openai-api.ts';

// The HTTP server: recording, auth, routing, the reply queue, and the socket
// bookkeeping behind nextClientAbort() and close().

type Route = 'models' | 'chat' | 'responses' | 'messages' | 'count_tokens';

function routeOf(method: string, path: string): Route | undefined {
  if (method === 'GET' && (path === '/v1/models' || path === '/models')) return 'models';
  if (method !== 'POST') return undefined;
  // DeepSeek has no /v1 prefix but SDKs that append it still reach it.
  if (path === '/chat/completions' || path === '/v1/chat/completions') return 'chat';
  if (path === '/responses' || path === '/v1/responses') return 'responses';
  if (path === '/v1/messages' || path === '/messages') return 'messages';
  if (path === '/v1/messages/count_tokens' || path === '/messages/count_tokens') return 'count_tokens';
  return undefined;
}

const DEFAULT_EFFORTS = ['low', 'high', 'max'];

export async function startMockUpstream(options: MockUpstreamOptions = {}): Promise<MockUpstream> {
  const requests: RecordedRequest[] = [];
  const queue = new ReplyQueue();
  const ids = new IdFactory();
  const aborts = new EventEmitter();
  aborts.setMaxListeners(0);
  const sockets = new Set<Socket>();
  const promptCache = new PromptCache();
  const apiState = new OpenAiApiState();
  let closing = false;

  const baseEnv = {
    ids,
    pieces: Math.max(1, options.streamChunks ?? 2),
    delayMs: Math.max(0, options.chunkDelayMs ?? 0),
    reasoningEfforts: options.reasoningEfforts ?? DEFAULT_EFFORTS,
    chat: options.chat ?? 'deepseek',
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const ex = new Exchange(req, res);
    res.on('close', () => {
      if (!res.writableFinished && !ex.closedByServer && !closing) aborts.emit('abort', performance.now());
    });

    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    if (isOpenAiApiPath(path)) {
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      const authorized = options.apiKey === undefined || req.headers.authorization === `Bearer ${options.apiKey}`;
      return handleOpenAiApi(req, res, method, path, query, { state: apiState, ids, record: (r) => requests.push(r) }, authorized);
    }
    const raw = await readBody(req);
    const parsed = parseBody(raw);
    const record: RecordedRequest = { method, path, headers: req.headers, body: parsed.kind === 'empty' ? undefined : parsed.value, receivedAt };
    requests.push(record);
    if (ex.gone) return;

    const route = routeOf(method, path);
    if (route === 'messages' || route === 'count_tokens') return handleAnthropic(ex, route, raw, record);
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_request_error', 'invalid_api_key');
    }
    if (!route) return sendError(res, 404, `Invalid URL (${method} ${path})`, 'invalid_request_error', null);
    if (route === 'models') return sendJson(res, 200, modelList(FAMILIES[baseEnv.chat]));
    if (parsed.kind !== 'json') return sendError(res, 400, 'We could not parse the JSON body of your request. Expected a JSON object.', 'invalid_request_error', null);
    if (!isObject(parsed.value)) return sendError(res, 400, 'The request body must be a JSON object.', 'invalid_request_error', null);

    // Raw HTTP and hangs stand for the network or the platform, so they win over validation.
    const reply = queue.take(record);
    if (reply?.http) return sendHttp(res, reply.http);
    if (reply?.fault === 'hang-before-headers') return ex.closed();

    const env: RouteEnv = { ...baseEnv, requestBytes: Buffer.byteLength(raw), store: (response, input) => void apiState.responses.set(response.id, { response, input }) };
    const scripted = toScripted(reply);
    if (route === 'chat') return handleChat(ex, parsed.value, env, scripted);
    return handleResponses(ex, parsed.value, env, scripted);
  }

  // The Anthropic routes answer in Anthropic's terms from the first check on: x-api-key, the
  // version header, then the body, each failure in its error shape with a request-id.
  async function handleAnthropic(ex: Exchange, route: 'messages' | 'count_tokens', raw: string, record: RecordedRequest): Promise<void> {
    const requestId = ids.next('req_');
    if (!admitAnthropic(ex.req, ex.res, options.apiKey, requestId)) return;
    const parsed = parseBody(raw);
    if (parsed.kind !== 'json' || !isObject(parsed.value)) {
      return sendAnthropicError(ex.res, 400, 'invalid_request_error', 'There was an issue with your request body: it must be a JSON object.', requestId);
    }
    const presentedKey = ex.req.headers['x-api-key'];
    const env: MessagesEnv = {
      ...baseEnv,
      requestBytes: Buffer.byteLength(raw),
      requestId,
      betas: betasOf(ex.req),
      cache: promptCache,
      cacheScope: typeof presentedKey === 'string' ? presentedKey : '',
      cacheMinTokens: options.messagesCacheMinTokens,
    };
    if (route === 'count_tokens') return handleCountTokens(ex, parsed.value, env);

    const reply = queue.take(record);
    if (reply?.http) return sendHttp(ex.res, reply.http);
    if (reply?.fault === 'hang-before-headers') return ex.closed();
    return handleMessages(ex, parsed.value, env, toScripted(reply));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, `mock upstream failed: ${String(error)}`, 'server_error', null);
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (!isObject(address)) throw new Error('mock upstream: no TCP address');
  const port = address.port as number;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    nextClientAbort: () => once(aborts, 'abort').then(([at]) => at as number),
    enqueue: (...replies: MockReply[]) => queue.push(...replies),
    pending: () => queue.size,
    reset: () => {
      requests.length = 0; // in place: tests may hold the array
      queue.clear();
      promptCache.clear();
      apiState.clear();
    },
    close: async () => {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

function sendHttp(res: ServerResponse, http: NonNullable<MockReply['http']>): void {
  // Lower-cased so a scripted 'Content-Type' replaces the default instead of doubling it.
  const headers = Object.fromEntries(Object.entries(http.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  sendJson(res, http.status, typeof http.body === 'string' ? http.body : JSON.stringify(http.body), headers);
}

function toScripted(reply: MockReply | undefined): ScriptedTurn {
  if (!reply) return {};
  if (reply.fault !== undefined) {
    if (reply.fault === 'hang-before-headers') return {};
    return { turn: reply.turn, fault: reply };
  }
  if (reply.http !== undefined) return {};
  const { match: _match, ...turn } = reply;
  return { turn };
}
