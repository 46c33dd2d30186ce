/**
 * openai: passthrough to any OpenAI-compatible upstream: the model APIs and the rest of the OpenAI
 * API (embeddings, audio, images, files, batches…), and with `raw` the upstream's own paths under
 * /p/<name>/. Bodies go out as the pipeline left them (uploads as they arrive); answers come back
 * byte for byte.
 */
import { OPENAI_API_FAMILIES, compileModelPatterns, definePlugin, priceTable, targetsOf, type ApiFamily, type Plugin, type Provider } from 'aurora';
import { createProxyForwarder, type ProxyForwarder } from './forward.ts';
import { DEFAULT_WITHOUT_REASONING, openaiOptionsSchema, type OpenAIOptions } from './options.ts';
import { OPENAI_PRICES } from './prices.ts';

export type { OpenAIOptions } from './options.ts';
export { OPENAI_PRICES } from './prices.ts';

export default function openai(options: OpenAIOptions = {}): Plugin {
  const name = options.name ?? 'openai';
  let provider: Provider;
  let claims: (model: string) => boolean = () => true;
  let forwarder: ProxyForwarder | undefined;
  const catchAll = options.models === undefined;
  let keyed = false;
  // Requests that name no model (files, batches…) go to the catch-all, or to an upstream that lists them.
  const unnamed: ReadonlySet<string> = new Set<string>(options.endpoints ?? (catchAll ? OPENAI_API_FAMILIES : []));
  const rawModel = `p/${name}`;
  const reasonless = compileModelPatterns(options.withoutReasoning ?? DEFAULT_WITHOUT_REASONING);

  return definePlugin({
    name,
    options,
    optionsSchema: openaiOptionsSchema,
    setup(gateway) {
      forwarder = createProxyForwarder({ maxSockets: options.maxSockets ?? 256 });
      const apiKeyEnv = options.apiKeyEnv ?? 'OPENAI_API_KEY';
      const apiKey = options.apiKey ?? process.env[apiKeyEnv];
      gateway.addSecret(apiKey);
      keyed = Boolean(apiKey) || Boolean(options.pool?.every((t) => t.apiKey));
      if (!keyed) gateway.log.warn(`${name}: no API key (set ${apiKeyEnv}); its requests will fail until it is set`);
      provider = {
        name,
        baseUrl: options.baseUrl ?? 'https://api.openai.com/v1',
        apiKey,
        apiKeyEnv,
        headersTimeoutMs: options.headersTimeoutMs,
        idleTimeoutMs: options.idleTimeoutMs,
        retry: options.retry,
        forward: (request, ctx) => forwarder!.forward(request, ctx),
        // The OpenAI API as it is (Messages clients reach it through the core's hub).
        apis: ['responses', 'chat.completions', ...OPENAI_API_FAMILIES, ...(options.raw ? (['raw'] as ApiFamily[]) : [])],
        // Its upstream keeps Responses state (store, previous_response_id, item_reference): passed as sent.
        keepsResponses: true,
        // OpenAI's list prices (prices.ts); the config's `prices` override them.
        prices: priceTable(OPENAI_PRICES),
      };
      if (options.pool) {
        for (const target of options.pool) gateway.addSecret(target.apiKey);
        provider.pool = { targets: options.pool, balance: options.balance };
      }
      if (!catchAll) claims = compileModelPatterns(options.models!);
    },
    resolveModel(model, ctx) {
      // The listing is asked of the catch-all only when it can answer: without a key the list is
      // built from what the other plugins serve, instead of failing on a key nobody set.
      if (ctx.endpoint === 'models') return catchAll && keyed ? { provider, model: '' } : undefined;
      if (ctx.endpoint === 'raw') return options.raw && model === rawModel ? { provider, model: '' } : undefined;
      if (model === '') return ctx.endpoint !== null && unnamed.has(ctx.endpoint) ? { provider, model } : undefined;
      return claims(model) ? { provider, model } : undefined;
    },
    // A translated request (the client called another API) states a thinking effort the model may not
    // take; a request made in the Responses API itself is the client's to get right.
    transformRequest: {
      filter: (ctx) => ctx.route.provider === provider && ctx.clientApi !== ctx.endpoint && ctx.body?.reasoning !== undefined && reasonless(ctx.route.model),
      handler(request, ctx) {
        if (!request.body?.reasoning) return request;
        const { reasoning: _dropped, ...body } = request.body;
        ctx.annotations.reasoningDropped = `${ctx.route.model} does not reason`;
        return { ...request, body };
      },
    },
    // An explicit model list is advertised in GET /v1/models whoever answers it; nothing else is touched.
    transformResponse: { filter: (ctx) => ctx.endpoint === 'models' && !catchAll && ctx.route.provider !== provider, handler(response) {
      if (!Array.isArray(response.data)) return response;
      const listed = new Set(response.data.map((m: { id?: string }) => m.id));
      for (const id of options.models!) {
        if (!id.includes('*') && !listed.has(id)) response.data.push({ id, object: 'model', created: 0, owned_by: name });
      }
      return response;
    } },
    describe: () => ({ providers: [{ name, baseUrl: provider.baseUrl, models: catchAll ? ['*'] : options.models!, keySet: Boolean(provider.apiKey) || Boolean(options.pool?.every((t) => t.apiKey)), targets: targetsOf(provider).map((t) => t.id) }] }),
    close() {
      forwarder?.close();
    },
  });
}
