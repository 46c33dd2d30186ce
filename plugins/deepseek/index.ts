/**
 * The deepseek plugin: serves DeepSeek models behind the gateway, and translates Codex's
 * Responses API to DeepSeek's Chat Completions and back. Wiring only; the translation lives in
 * request.ts, response.ts and stream.ts, the reasoning carrier in state.ts, and the normalisation of
 * OpenAI Chat Completions requests in chat-request.ts.
 */
import { compileModelPatterns, targetsOf } from 'aurora';
import type { EventStream, JsonObject, Plugin, Provider, RoutedContext, UpstreamRequest } from 'aurora';
import { toDeepSeekChatRequest } from './chat-request.ts';
import { type DeepSeekOptions, deepseekOptionsSchema } from './options.ts';
import { toChatRequest } from './request.ts';
import { toResponsesResponse } from './response.ts';
import { type ReasoningCarrier, createReasoningCarrier, defaultReasoningSecret } from './state.ts';
import { createResponsesStreamTranslator } from './stream.ts';

export type { DeepSeekOptions } from './options.ts';

const DEFAULT_BASE_URL = 'https://api.deepseek.com';
const DEFAULT_MODELS = ['deepseek-v4-pro', 'deepseek-v4-flash'];

interface State {
  provider: Provider;
  claims: (model: string) => boolean;
  listed: string[];
  carrier: ReasoningCarrier;
}

export default function deepseek(options: DeepSeekOptions = {}): Plugin {
  const modelMap = options.modelMap ?? {};
  let state: State | undefined;

  const init = (): State => {
    const apiKey = options.apiKey ?? (process.env.DEEPSEEK_API_KEY || undefined);
    const provider: Provider = {
      name: 'deepseek',
      baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
      apiKeyEnv: 'DEEPSEEK_API_KEY',
    };
    if (apiKey) provider.apiKey = apiKey;
    if (options.headersTimeoutMs !== undefined) provider.headersTimeoutMs = options.headersTimeoutMs;
    if (options.idleTimeoutMs !== undefined) provider.idleTimeoutMs = options.idleTimeoutMs;
    if (options.retry !== undefined) provider.retry = options.retry;
    if (options.pool) provider.pool = { targets: options.pool, balance: options.balance };
    // A modelMap key is a name clients request, so it is claimed too (otherwise the map would do nothing
    // unless each key were also repeated in `models`).
    const names = [...(options.models ?? DEFAULT_MODELS), ...Object.keys(modelMap)];
    state = {
      provider,
      claims: compileModelPatterns(names),
      listed: [...new Set(names.filter((n) => !n.includes('*')))],
      carrier: createReasoningCarrier(options.reasoningSecret ?? defaultReasoningSecret(apiKey ?? options.pool?.find((t) => t.apiKey)?.apiKey)),
    };
    return state;
  };

  const ours = (ctx: RoutedContext) => state !== undefined && ctx.route.provider === state.provider;

  return {
    name: 'deepseek',
    options,
    optionsSchema: deepseekOptionsSchema,

    setup(gateway) {
      const s = init();
      // Keep the key and the carrier secret out of logs, audit records and upstream echoes.
      gateway.addSecret(s.provider.apiKey);
      for (const target of options.pool ?? []) gateway.addSecret(target.apiKey);
      gateway.addSecret(options.reasoningSecret);
      if (!s.provider.apiKey && !options.pool?.every((t) => t.apiKey)) gateway.log.warn('deepseek: no API key (set DEEPSEEK_API_KEY); its requests will fail until it is set');
    },

    describe() {
      const s = state ?? init();
      return { providers: [{ name: 'deepseek', baseUrl: s.provider.baseUrl, models: [...(options.models ?? DEFAULT_MODELS), ...Object.keys(modelMap)], keySet: Boolean(s.provider.apiKey) || Boolean(options.pool?.every((t) => t.apiKey)), targets: targetsOf(s.provider).map((t) => t.id) }] };
    },

    resolveModel(model, ctx) {
      if (ctx.endpoint === 'models' || typeof model !== 'string') return undefined;
      const s = state ?? init();
      if (!s.claims(model)) return undefined;
      return { provider: s.provider, model: modelMap[model] ?? model };
    },

    transformRequest: { filter: ours, handler(request: UpstreamRequest, ctx: RoutedContext) {
      if (!request.body) return request;
      const s = state!;
      if (ctx.endpoint === 'responses') {
        return { ...request, path: '/chat/completions', body: toChatRequest(request.body, { model: ctx.route.model, carrier: s.carrier }) };
      }
      if (ctx.endpoint === 'chat.completions') return { ...request, body: toDeepSeekChatRequest(request.body, { model: ctx.route.model }) };
      return request;
    } },

    // Only our Responses streams are translated; a Chat Completions stream is already DeepSeek's shape.
    transformStream: { filter: (ctx: RoutedContext) => ours(ctx) && ctx.endpoint === 'responses', handler(stream: EventStream, ctx: RoutedContext) {
      const request = ctx.body ?? {};
      return stream.pipeThrough(createResponsesStreamTranslator({ request, model: String(request.model ?? ctx.route.model), carrier: state!.carrier }));
    } },

    // Our Responses answers, and GET /v1/models whoever answers it (our models are added to the list).
    transformResponse: { filter: (ctx: RoutedContext) => ctx.endpoint === 'models' || (ours(ctx) && ctx.endpoint === 'responses'), handler(response: JsonObject, ctx: RoutedContext) {
      if (ctx.endpoint === 'models') return addModels(response, (state ?? init()).listed);
      const request = ctx.body ?? {};
      return toResponsesResponse(response, { request, model: String(request.model ?? ctx.route.model), carrier: state!.carrier });
    } },
  };
}

/** The model list is built by whichever provider answers /v1/models: add ours to it. */
function addModels(response: JsonObject, names: string[]): JsonObject {
  const data: JsonObject[] = Array.isArray(response.data) ? response.data : [];
  const present = new Set(data.map((m) => m?.id));
  for (const id of names) if (!present.has(id)) data.push({ id, object: 'model', created: 0, owned_by: 'deepseek' });
  return { ...response, object: response.object ?? 'list', data };
}
