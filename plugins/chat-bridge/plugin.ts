/**
 * A provider plugin over the bridge: claims its models, translates Responses requests (Codex) to
 * the provider's Chat Completions and the answers back as its profile says, passes the models the
 * provider serves on its own Responses API through untouched, and adds its models to GET /v1/models.
 * Wiring only; the translation is in request.ts, response.ts, stream.ts.
 */
import { compileModelPatterns, nodeHttpSend, targetsOf } from 'aurora';
import type { EventStream, JsonObject, Plugin, Provider, RoutedContext, UpstreamRequest } from 'aurora';
import { CATALOG_HEADER, codexEntry } from './catalog.ts';
import { toStrictChatRequest } from './chat-request.ts';
import { type ModelListSource, createModelList } from './models.ts';
import type { BridgeOptions } from './options.ts';
import { type ChatProfile, type ModelSpec, type ProfileInput, modelSpecs, resolveProfile } from './profile.ts';
import { toChatRequest } from './request.ts';
import { toResponsesResponse } from './response.ts';
import { type ReasoningCarrier, createReasoningCarrier, defaultReasoningSecret } from './state.ts';
import { createResponsesStreamTranslator } from './stream.ts';

/** What a provider is, before the user's options: everything a preset knows. */
export interface BridgeSpec {
  /** Default plugin and provider name. */
  name: string;
  /** The provider's name in messages (`OpenRouter`). */
  label: string;
  baseUrl: string;
  apiKeyEnv: string;
  /** The variable that overrides the base URL (`OPENROUTER_BASE_URL`). */
  baseUrlEnv?: string;
  /** A local server that needs no key: this placeholder is sent when none is set. */
  keyPlaceholder?: string;
  /** Model names or globs claimed without the `<name>/` prefix. */
  models: string[];
  /** Upstream models (names or globs) served through the provider's own `/responses`. */
  responses?: string[];
  /** The provider's Responses API takes custom (freeform) tools, so Codex may send apply_patch as one. */
  customTools?: boolean;
  profile: ProfileInput;
  /** Chat Completions clients get their requests rebuilt under the provider's rules (DeepSeek). */
  strictChat?: boolean;
  /** Claim `<name>/<model>` (the prefix is removed upstream). Default true. */
  prefix?: boolean;
  /** What the provider charges (`priceTable({...})`, docs/costs.md); unset, its models are unpriced. */
  prices?: Provider['prices'];
}

interface State {
  provider: Provider;
  profile: ChatProfile;
  spec: (model: string) => ModelSpec;
  claims: (model: string) => boolean;
  passthrough: (model: string) => boolean;
  carrier: ReasoningCarrier;
  upstreamModels?: ModelListSource;
}

export function createBridgePlugin(bridge: BridgeSpec, options: BridgeOptions, optionsSchema: object): Plugin {
  const name = options.name ?? bridge.name;
  const apiKeyEnv = options.apiKeyEnv ?? bridge.apiKeyEnv;
  const baseUrl = (options.baseUrl ?? envBaseUrl(bridge) ?? bridge.baseUrl).replace(/\/+$/, '');
  const modelMap = options.modelMap ?? {};
  const patterns = [...(options.models ?? bridge.models), ...Object.keys(modelMap)];
  const prefix = bridge.prefix === false ? undefined : `${name}/`;
  let state: State | undefined;

  const init = (): State => {
    const ownKey = options.apiKey ?? (process.env[apiKeyEnv] || undefined);
    const apiKey = ownKey ?? bridge.keyPlaceholder;
    const provider: Provider = { name, baseUrl, apiKeyEnv };
    if (apiKey) provider.apiKey = apiKey;
    if (bridge.prices) provider.prices = bridge.prices;
    if (options.headersTimeoutMs !== undefined) provider.headersTimeoutMs = options.headersTimeoutMs;
    if (options.idleTimeoutMs !== undefined) provider.idleTimeoutMs = options.idleTimeoutMs;
    if (options.retry !== undefined) provider.retry = options.retry;
    if (options.pool) provider.pool = { targets: options.pool, balance: options.balance };
    const profile = resolveProfile(bridge.profile, options.profile);
    if (profile.errorArray) provider.forward = forwardUnwrappingErrors;
    const spec = modelSpecs(profile);
    const responses = compileModelPatterns(options.responses ?? bridge.responses ?? []);
    // A placeholder key is public: sealing with it would let anyone forge reasoning, so without a real key the secret is random.
    const sealingKey = ownKey ?? options.pool?.find((t) => t.apiKey)?.apiKey;
    state = {
      provider,
      profile,
      spec,
      claims: compileModelPatterns(patterns),
      passthrough: (model) => responses(model) || spec(model).responses === true,
      carrier: createReasoningCarrier(options.reasoningSecret ?? defaultReasoningSecret(sealingKey)),
    };
    return state;
  };

  const ours = (ctx: RoutedContext) => state !== undefined && ctx.route.provider === state.provider;
  const translated = (ctx: RoutedContext) => ours(ctx) && ctx.endpoint === 'responses' && !state!.passthrough(ctx.route.model);
  const keySet = (s: State) => Boolean(s.provider.apiKey) || Boolean(options.pool?.every((t) => t.apiKey));

  /** The names this provider lists: the configured exact names, then what the provider itself lists. */
  const listed = async (s: State, signal: AbortSignal | undefined): Promise<string[]> => {
    const names = patterns.filter((n) => !n.includes('*'));
    const upstream = s.upstreamModels ? await s.upstreamModels.list(signal) : [];
    for (const id of upstream) names.push(s.claims(id) ? id : `${prefix ?? ''}${id}`);
    return [...new Set(names)];
  };

  return {
    name,
    options,
    optionsSchema,

    setup(gateway) {
      const s = init();
      // Keep the key and the carrier secret out of logs, audit records and upstream echoes.
      if (!bridge.keyPlaceholder || s.provider.apiKey !== bridge.keyPlaceholder) gateway.addSecret(s.provider.apiKey);
      for (const target of options.pool ?? []) gateway.addSecret(target.apiKey);
      gateway.addSecret(options.reasoningSecret);
      if (!s.provider.apiKey && !options.pool?.every((t) => t.apiKey)) gateway.log.warn(`${name}: no API key (set ${apiKeyEnv}); its requests will fail until it is set`);
      if ((options.listModels ?? s.profile.listsModels) && bridge.prefix !== false) {
        s.upstreamModels = createModelList({ url: `${s.provider.baseUrl}/models`, apiKey: s.provider.apiKey, log: gateway.log, name });
      }
    },

    describe() {
      const s = state ?? init();
      const passthrough = options.responses ?? bridge.responses ?? [];
      return {
        providers: [{ name, baseUrl: s.provider.baseUrl, models: prefix ? [...patterns, `${prefix}*`] : patterns, keySet: keySet(s), targets: targetsOf(s.provider).map((t) => t.id) }],
        notes: passthrough.length ? [`${name}: ${passthrough.join(', ')} through its own Responses API`] : [],
      };
    },

    resolveModel(model, ctx) {
      if (ctx.endpoint === 'models' || typeof model !== 'string') return undefined;
      const s = state ?? init();
      if (prefix && model.startsWith(prefix) && model.length > prefix.length) {
        const upstream = model.slice(prefix.length);
        return { provider: s.provider, model: modelMap[upstream] ?? upstream };
      }
      if (!s.claims(model)) return undefined;
      return { provider: s.provider, model: modelMap[model] ?? model };
    },

    transformRequest: { filter: ours, handler(request: UpstreamRequest, ctx: RoutedContext) {
      if (!request.body) return request;
      const s = state!;
      if (ctx.endpoint === 'responses') {
        if (s.passthrough(ctx.route.model)) return request;
        return { ...request, path: '/chat/completions', body: toChatRequest(request.body, { model: ctx.route.model, carrier: s.carrier, profile: s.profile, spec: s.spec(ctx.route.model), label: bridge.label }) };
      }
      if (ctx.endpoint === 'chat.completions' && bridge.strictChat) return { ...request, body: toStrictChatRequest(request.body, { model: ctx.route.model, profile: s.profile }) };
      return request;
    } },

    // Only translated Responses streams; a Chat Completions stream is already the provider's shape.
    transformStream: { filter: translated, handler(stream: EventStream, ctx: RoutedContext) {
      const request = ctx.body ?? {};
      return stream.pipeThrough(createResponsesStreamTranslator({ request, model: String(request.model ?? ctx.route.model), carrier: state!.carrier, profile: state!.profile }));
    } },

    // Translated Responses answers, and GET /v1/models whoever answers it (our models are added to the list).
    transformResponse: { filter: (ctx: RoutedContext) => ctx.endpoint === 'models' || translated(ctx), async handler(response: JsonObject, ctx: RoutedContext) {
      const s = state ?? init();
      if (ctx.endpoint !== 'models') {
        const request = ctx.body ?? {};
        return toResponsesResponse(response, { request, model: String(request.model ?? ctx.route.model), carrier: s.carrier, profile: s.profile });
      }
      const names = await listed(s, ctx.signal);
      const out = addModels(response, names, name);
      if (ctx.headers?.get(CATALOG_HEADER) === 'codex') {
        const previous: JsonObject[] = Array.isArray(out.models) ? out.models : [];
        const entries = names.map((slug, i) => {
          const upstream = modelMap[slug] ?? (prefix && slug.startsWith(prefix) ? slug.slice(prefix.length) : slug);
          return codexEntry({ slug, spec: s.spec(upstream), passthrough: s.passthrough(upstream), customTools: bridge.customTools, provider: bridge.label }, previous.length + i + 1);
        });
        out.models = [...previous, ...entries];
      }
      return out;
    } },

    commands: {
      'codex-catalog': {
        description: "print Codex's model catalog (model_catalog_json) for every model the running gateway serves",
        run: printCodexCatalog,
      },
    },
  };
}

/** A base URL from the preset's variable, checked here: the schema cannot name the variable. */
function envBaseUrl(bridge: BridgeSpec): string | undefined {
  if (!bridge.baseUrlEnv) return undefined;
  const value = process.env[bridge.baseUrlEnv];
  if (value === undefined || value === '') return undefined;
  let ok = false;
  try {
    ok = /^https?:$/.test(new URL(value).protocol);
  } catch {
    ok = false;
  }
  if (!ok) throw new Error(`${bridge.baseUrlEnv}="${value}" is not a URL: set it to the base URL of ${bridge.label}'s OpenAI-compatible API (default ${bridge.baseUrl}), or unset it`);
  return value;
}

/** The model list is built by whichever provider answers /v1/models: add ours to it. */
function addModels(response: JsonObject, names: string[], owner: string): JsonObject {
  const data: JsonObject[] = Array.isArray(response.data) ? response.data : [];
  const present = new Set(data.map((m) => m?.id));
  for (const id of names) if (!present.has(id)) data.push({ id, object: 'model', created: 0, owned_by: owner });
  return { ...response, object: response.object ?? 'list', data };
}

/** Gemini's OpenAI endpoint answers errors as `[{"error": …}]`: the first element is the OpenAI-shaped error. */
async function forwardUnwrappingErrors(request: UpstreamRequest, ctx: RoutedContext): Promise<Response> {
  const res = await nodeHttpSend(request, ctx);
  if (res.status < 400) return res;
  const text = await res.text();
  let body = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed) && parsed[0] && typeof parsed[0] === 'object') body = JSON.stringify(parsed[0]);
  } catch {
    // not JSON: passed on as it came
  }
  const headers = new Headers(res.headers);
  headers.delete('content-length');
  headers.delete('content-encoding');
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * `node core codex-catalog [--url <gateway>]`: asks the running gateway's GET /v1/models for its
 * Codex entries (every bridge plugin adds its own) and prints them as a catalog file. The key is
 * `$AURORA_API_KEY` (else `$AURORA_MASTER_KEY`); the URL `--url`, else `$AURORA_URL`, else
 * http://127.0.0.1:$AURORA_PORT (8080).
 */
async function printCodexCatalog(args: string[]): Promise<number> {
  const at = args.indexOf('--url');
  const base = (at !== -1 ? args[at + 1] : undefined) ?? process.env.AURORA_URL ?? `http://127.0.0.1:${process.env.AURORA_PORT ?? 8080}`;
  const key = process.env.AURORA_API_KEY ?? process.env.AURORA_MASTER_KEY;
  const headers: Record<string, string> = { [CATALOG_HEADER]: 'codex' };
  if (key) headers.authorization = `Bearer ${key}`;
  let res: Response;
  try {
    res = await fetch(`${base.replace(/\/+$/, '').replace(/\/v1$/, '')}/v1/models`, { headers });
  } catch (err) {
    process.stderr.write(`aurora: codex-catalog: no gateway answers at ${base} (${(err as Error).message}); start it with \`node core\`, or pass --url\n`);
    return 1;
  }
  if (!res.ok) {
    process.stderr.write(`aurora: codex-catalog: GET /v1/models answered ${res.status}: ${(await res.text()).slice(0, 300)}\nSet AURORA_API_KEY to the gateway's key.\n`);
    return 1;
  }
  const body = (await res.json()) as JsonObject;
  process.stdout.write(`${JSON.stringify({ models: Array.isArray(body.models) ? body.models : [] }, null, 2)}\n`);
  return 0;
}
