/**
 * local-provider: serve models from an OpenAI-compatible server on your own machine or network
 * (Ollama, vLLM, llama.cpp's llama-server, LM Studio) behind Aurora.
 *
 * A whole provider plugin in one file, written to be copied: put it beside your aurora.config.ts,
 * rename it, change what you need. It imports only the public API ('aurora').
 *
 *   client asks for         upstream receives      client sees in `model`
 *   local/llama3        →   llama3             →   local/llama3        (prefix)
 *   coder               →   qwen2.5-coder:7b   →   coder               (models map)
 */
import {
  GatewayError,
  definePlugin,
  nodeHttpSend,
  type EventStream,
  type JsonObject,
  type Plugin,
  type Provider,
  type RoutedContext,
  type SseEvent,
  type UpstreamRequest,
} from 'aurora';

export interface LocalProviderOptions {
  /**
   * Plugin and provider name, shown in logs, errors and audit records. Give each plugin its own
   * name when you add several local servers. Default `'local'`.
   */
  name?: string;
  /**
   * The server's OpenAI-compatible base URL, version prefix included.
   * Default `http://127.0.0.1:11434/v1` (Ollama). vLLM: `http://127.0.0.1:8000/v1`;
   * llama-server: `http://127.0.0.1:8080/v1` (move Aurora to another port then).
   */
  baseUrl?: string;
  /**
   * Claim every model whose name starts with this prefix and send the rest of the name upstream
   * (`local/llama3` → `llama3`). `false` claims by `models` only. Default `'local/'`.
   */
  prefix?: string | false;
  /**
   * Exact client names and the upstream name each stands for (`{ coder: 'qwen2.5-coder:7b' }`).
   * Checked before `prefix`. Default `{}`.
   */
  models?: Record<string, string>;
  /**
   * Sent as `Authorization: Bearer <key>`. Most local servers ignore it; vLLM started with
   * `--api-key` checks it. Default: the environment variable named by `apiKeyEnv`, else `'local'`.
   */
  apiKey?: string;
  /** The environment variable the key is read from. Default `'LOCAL_API_KEY'`. */
  apiKeyEnv?: string;
  /**
   * Headers added to every upstream request (`{ 'x-tenant': 'team-a' }`). The key goes in
   * `apiKey`: an `authorization` header here would be replaced by it.
   */
  headers?: Record<string, string>;
  /**
   * Give up with 504 when the server has not sent response headers after this long (ms). A server
   * loading a large model from disk before its first answer can take minutes. Default 600000.
   */
  headersTimeoutMs?: number;
  /**
   * Seconds a client is told to wait (`Retry-After`) when the server answers 503 while it loads a
   * model, unless the server sends its own. Default 5.
   */
  loadingRetryAfterSeconds?: number;
}

/** JSON Schema (draft-07) for the options: `node core` checks them at startup and names the bad field. */
export const localProviderOptionsSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    baseUrl: { type: 'string', pattern: '^https?://' },
    prefix: { anyOf: [{ type: 'string', minLength: 1 }, { const: false }] },
    models: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    apiKey: { type: 'string' },
    apiKeyEnv: { type: 'string', minLength: 1 },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    headersTimeoutMs: { type: 'integer', minimum: 1 },
    loadingRetryAfterSeconds: { type: 'integer', minimum: 0 },
  },
  additionalProperties: false,
};

export default function localProvider(options: LocalProviderOptions = {}): Plugin {
  const name = options.name ?? 'local';
  const prefix = options.prefix ?? 'local/';
  const models = options.models ?? {};
  const extraHeaders = Object.entries(options.headers ?? {});
  const retryAfter = String(options.loadingRetryAfterSeconds ?? 5);
  // The factory only checks and prepares: no sockets, files or timers until setup().
  if (prefix === '') throw new Error(`${name}: prefix must not be empty (it would claim every model); use false to claim by \`models\` only`);
  if (prefix === false && Object.keys(models).length === 0) throw new Error(`${name}: with prefix false, list the models to claim in \`models\``);

  let provider: Provider | undefined;

  /** The upstream name for a model the client asked for, or undefined when it is not ours. */
  const upstreamModel = (model: string): string | undefined => {
    if (Object.hasOwn(models, model)) return models[model];
    if (prefix && model.startsWith(prefix) && model.length > prefix.length) return model.slice(prefix.length);
    return undefined;
  };
  const isOurs = (ctx: RoutedContext) => provider !== undefined && ctx.route.provider === provider;
  /** The name the client asked for: every `model` field it reads back shows this one. */
  const clientModel = (ctx: RoutedContext) => String(ctx.body?.model ?? ctx.route.model);

  return definePlugin({
    name,
    options,
    optionsSchema: localProviderOptionsSchema,

    setup(gateway) {
      const apiKeyEnv = options.apiKeyEnv ?? 'LOCAL_API_KEY';
      const apiKey = options.apiKey ?? process.env[apiKeyEnv];
      gateway.addSecret(apiKey);
      provider = {
        name,
        baseUrl: options.baseUrl ?? 'http://127.0.0.1:11434/v1',
        // The core's sender requires a key; local servers that check none accept any.
        apiKey: apiKey || 'local',
        apiKeyEnv,
        headersTimeoutMs: options.headersTimeoutMs ?? 600_000,
        // Send with the core's sender (streaming, aborted with the client, headers timeout), then turn
        // the server's own error texts into errors a client can act on.
        forward: async (request, ctx) => mapServerErrors(await nodeHttpSend(request, ctx), ctx),
      };
    },

    // For the startup banner and `node core --check`: what this plugin serves.
    describe: () => ({
      providers: [{
        name,
        baseUrl: provider?.baseUrl ?? options.baseUrl ?? 'http://127.0.0.1:11434/v1',
        models: [...Object.keys(models), ...(prefix ? [`${prefix}*`] : [])],
        keySet: true, // a local server needs no key; a placeholder is sent when none is set
      }],
    }),

    resolveModel(model, ctx) {
      if (!provider || ctx.endpoint === 'models') return undefined;
      const upstream = upstreamModel(model);
      // The core writes `upstream` into the body's `model` before transformRequest runs.
      return upstream === undefined ? undefined : { provider, model: upstream };
    },

    transformRequest(request: UpstreamRequest, ctx) {
      if (!isOurs(ctx) || extraHeaders.length === 0) return request;
      const headers = new Headers(request.headers);
      for (const [header, value] of extraHeaders) headers.set(header, value);
      return { ...request, headers };
    },

    transformResponse(response: JsonObject, ctx) {
      // GET /v1/models is answered by another plugin (or the core): add the names from `models`.
      if (ctx.endpoint === 'models') {
        if (!Array.isArray(response.data)) return response;
        const listed = new Set(response.data.map((m: { id?: string }) => m.id));
        const added = Object.keys(models).filter((id) => !listed.has(id)).map((id) => ({ id, object: 'model', created: 0, owned_by: name }));
        return added.length ? { ...response, data: [...response.data, ...added] } : response;
      }
      // Responses and Chat Completions both carry `model` at the top level.
      if (!isOurs(ctx) || typeof response.model !== 'string') return response;
      return { ...response, model: clientModel(ctx) };
    },

    transformStream(stream: EventStream, ctx) {
      if (!isOurs(ctx)) return stream; // not ours: hand it on untouched
      return stream.pipeThrough(renameModelInEvents(clientModel(ctx)));
    },
  });

  /**
   * Ollama answers an unknown model with 404 `model "x" not found, try pulling it first`, vLLM with
   * 404 `The model \`x\` does not exist.`: both become our 404 `model_not_found`, naming the model
   * the client asked for. llama-server answers 503 `Loading model` until it is ready: that becomes
   * a 503 with Retry-After, so clients wait instead of failing. Anything else passes on as sent.
   */
  async function mapServerErrors(response: Response, ctx: RoutedContext): Promise<Response> {
    if (response.status !== 404 && response.status !== 503) return response;
    const text = await response.text();
    const detail = text.slice(0, 300);
    if (response.status === 404 && /model.*(not found|does not exist)/i.test(text)) {
      throw new GatewayError('AURORA_ERR_MODEL_NOT_FOUND', {
        param: 'model',
        message: `The model ${clientModel(ctx)} is not available on ${name} (${ctx.route.model} upstream): ${detail}`,
      });
    }
    if (response.status === 503 && /loading/i.test(text)) {
      // No registry id means "busy, come back": unreachable is the nearest, kept at 503 so it reads as temporary.
      throw new GatewayError('AURORA_ERR_UPSTREAM_UNREACHABLE', {
        status: 503,
        message: `${name} is still loading ${ctx.route.model}; retry shortly`,
        headers: { 'retry-after': response.headers.get('retry-after') ?? retryAfter },
      });
    }
    // Not one we know: rebuild the response we consumed, so the core passes it on as usual.
    return new Response(text, { status: response.status, statusText: response.statusText, headers: response.headers });
  }
}

/**
 * Streamed `model` fields back to the client's name: `response.model` in the Responses lifecycle
 * events (created, in_progress, completed…) and `model` in every Chat Completions chunk. Event for
 * event: nothing is held back, and events without a `model` are passed on without being parsed.
 */
function renameModelInEvents(model: string): TransformStream<SseEvent, SseEvent> {
  return new TransformStream({
    transform(event, controller) {
      if (!event.data.includes('"model"')) return controller.enqueue(event);
      let json: JsonObject;
      try {
        json = JSON.parse(event.data);
      } catch {
        return controller.enqueue(event); // not JSON (e.g. a server's comment-like line): not ours to fix
      }
      let changed = false;
      if (typeof json.response?.model === 'string' && json.response.model !== model) {
        json.response.model = model;
        changed = true;
      } else if (json.object === 'chat.completion.chunk' && typeof json.model === 'string' && json.model !== model) {
        json.model = model;
        changed = true;
      }
      controller.enqueue(changed ? { ...event, data: JSON.stringify(json) } : event);
    },
  });
}
