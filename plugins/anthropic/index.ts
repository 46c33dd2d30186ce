/**
 * The anthropic plugin: serves Claude models. Messages clients (Claude Code, @anthropic-ai/sdk) go
 * straight through; Responses requests (Codex), and Chat Completions requests the core translated
 * to the hub, are translated to the Messages API and back. Wiring only: the translation lives in
 * request.ts, response.ts and stream.ts, the model rules in models.ts and thinking.ts, the
 * thinking carrier in carrier.ts, cache breakpoints in cache.ts, sending in forward.ts.
 */
import { compileModelPatterns, priceTable, targetsOf } from 'aurora';
import type { EventStream, JsonObject, Plugin, Provider, RoutedContext, UpstreamRequest } from 'aurora';
import { forwardToAnthropic } from './forward.ts';
import { createProfiles, type ProfileLookup } from './models.ts';
import { ANTHROPIC_PRICES } from './prices.ts';
import { API_KEY_ENV, DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_MODELS, anthropicOptionsSchema, type AnthropicOptions } from './options.ts';
import { toMessagesRequest } from './request.ts';
import { toResponsesResponse, type ResponsesContext } from './response.ts';
import { createResponsesStreamTranslator } from './stream.ts';

export type { AnthropicOptions } from './options.ts';

interface State {
  provider: Provider;
  claims: (model: string) => boolean;
  listed: string[];
}

export default function anthropic(options: AnthropicOptions = {}): Plugin {
  const name = options.name ?? 'anthropic';
  const modelMap = options.modelMap ?? {};
  const models = options.models ?? DEFAULT_MODELS;
  const profiles: ProfileLookup = createProfiles(options.maxTokens);
  let state: State | undefined;

  const init = (): State => {
    const apiKey = options.apiKey ?? (process.env[API_KEY_ENV] || undefined);
    const provider: Provider = {
      name,
      baseUrl: (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
      apiKeyEnv: API_KEY_ENV,
      // Messages requests go through as they are; Responses and (translated by the core) Chat
      // Completions requests arrive as the hub and are translated here.
      apis: ['responses', 'messages'],
      keyHeader: 'x-api-key',
      defaultHeaders: { 'anthropic-version': options.apiVersion ?? DEFAULT_API_VERSION },
      forward: forwardToAnthropic,
      // Anthropic's list prices, cache writes and reads included (prices.ts); the config's `prices` override them.
      prices: priceTable(ANTHROPIC_PRICES),
    };
    if (apiKey) provider.apiKey = apiKey;
    if (options.headersTimeoutMs !== undefined) provider.headersTimeoutMs = options.headersTimeoutMs;
    if (options.idleTimeoutMs !== undefined) provider.idleTimeoutMs = options.idleTimeoutMs;
    if (options.retry !== undefined) provider.retry = options.retry;
    if (options.pool) provider.pool = { targets: options.pool, balance: options.balance };
    // A modelMap key is a name clients request, so it is claimed too.
    const names = [...models, ...Object.keys(modelMap)];
    state = { provider, claims: compileModelPatterns(names), listed: [...new Set(names.filter((n) => !n.includes('*')))] };
    return state;
  };

  const ours = (ctx: RoutedContext) => state !== undefined && ctx.route.provider === state.provider;
  const translated = (ctx: RoutedContext) => ours(ctx) && ctx.endpoint === 'responses';

  const answerContext = (ctx: RoutedContext): ResponsesContext => {
    const request = ctx.body ?? {};
    return { request, model: String(request.model ?? ctx.route.model), upstreamModel: ctx.route.model };
  };

  return {
    name,
    options,
    optionsSchema: anthropicOptionsSchema,

    setup(gateway) {
      const s = init();
      // Keep the key out of logs, audit records and upstream echoes.
      gateway.addSecret(s.provider.apiKey);
      for (const target of options.pool ?? []) gateway.addSecret(target.apiKey);
      if (!s.provider.apiKey && !options.pool?.every((t) => t.apiKey)) gateway.log.warn(`${name}: no API key (set ${API_KEY_ENV}); its requests will fail until it is set`);
    },

    describe() {
      const s = state ?? init();
      return { providers: [{ name, baseUrl: s.provider.baseUrl, models: [...models, ...Object.keys(modelMap)], keySet: Boolean(s.provider.apiKey) || Boolean(options.pool?.every((t) => t.apiKey)), targets: targetsOf(s.provider).map((t) => t.id) }] };
    },

    resolveModel(model, ctx) {
      if (ctx.endpoint === 'models' || typeof model !== 'string') return undefined;
      const s = state ?? init();
      if (!s.claims(model)) return undefined;
      return { provider: s.provider, model: modelMap[model] ?? model };
    },

    transformRequest: { filter: translated, handler(request: UpstreamRequest, ctx: RoutedContext) {
      if (!request.body) return request;
      const model = ctx.route.model;
      const { body, notes } = toMessagesRequest(request.body, { model, profile: profiles(model) });
      const annotation: JsonObject = {};
      if (notes.dropped.length > 0) annotation.dropped = notes.dropped;
      if (notes.adjusted.length > 0) annotation.adjusted = notes.adjusted;
      if (Object.keys(annotation).length > 0) ctx.annotations.anthropic = annotation;
      return { ...request, path: '/messages', body };
    } },

    // Only translated requests: a Messages client's stream is already Anthropic's and goes out byte for byte.
    transformStream: { filter: translated, handler(stream: EventStream, ctx: RoutedContext) {
      return stream.pipeThrough(createResponsesStreamTranslator(answerContext(ctx)));
    } },

    // Our translated answers, and GET /v1/models whoever answers it (exact model names are added).
    transformResponse: { filter: (ctx: RoutedContext) => (ctx.endpoint === 'models' && (state?.listed.length ?? 0) > 0) || translated(ctx), handler(response: JsonObject, ctx: RoutedContext) {
      if (ctx.endpoint === 'models') return addModels(response, state!.listed, name);
      return toResponsesResponse(response, answerContext(ctx));
    } },
  };
}

/** The model list is built by whichever provider answers /v1/models: add ours to it. */
function addModels(response: JsonObject, names: string[], owner: string): JsonObject {
  const data: JsonObject[] = Array.isArray(response.data) ? response.data : [];
  const present = new Set(data.map((m) => m?.id));
  for (const id of names) if (!present.has(id)) data.push({ id, object: 'model', created: 0, owned_by: owner });
  return { ...response, object: response.object ?? 'list', data };
}
