/**
 * The types a plugin author meets. Web-standard types at every edge (Headers, ReadableStream,
 * AbortSignal, Response) so a plugin never needs to know it runs on node:http.
 */
import type { Logger } from './logger.ts';
import type { Price } from './pricing/price.ts';

// biome-ignore lint: JSON bodies are open-ended; plugins narrow them where they care.
export type JsonObject = Record<string, any>;

/** An API that generates: what a client sends and a provider takes. */
export type ModelApi = 'responses' | 'chat.completions' | 'messages';

/**
 * The rest of the OpenAI API, passed through to a provider that serves it as it comes: each family
 * is a top-level resource (`/v1/files`, `/v1/files/{id}/content`… are `files`). `responses.resource`
 * is what hangs off a response (`/v1/responses/{id}`, its input items, cancel, compact,
 * input_tokens); `raw` is a provider's own API under `/p/{provider}/…` (docs/endpoints.md).
 */
export type ApiFamily =
  | 'completions'
  | 'embeddings'
  | 'moderations'
  | 'images'
  | 'audio'
  | 'files'
  | 'uploads'
  | 'batches'
  | 'responses.resource'
  | 'chat.completions.resource'
  | 'conversations'
  | 'fine_tuning'
  | 'vector_stores'
  | 'containers'
  | 'evals'
  | 'videos'
  | 'raw';

/** The client-facing API a request speaks. */
export type Endpoint = ModelApi | 'messages.count_tokens' | 'models' | ApiFamily;

/** Who is calling. Never holds the key itself, only an id safe to log. */
export interface Principal {
  id: string;
  name?: string;
  /** May use the admin API and dashboard. */
  admin?: boolean;
}

/** Where a model's requests go. `forward` overrides the core's sender (`nodeHttpSend`, node:http). */
export interface Provider {
  name: string;
  baseUrl: string;
  apiKey?: string;
  /** The environment variable the key comes from, named in the error when it is missing. */
  apiKeyEnv?: string;
  /** Abort with 504 when the upstream has not sent response headers within this time. */
  headersTimeoutMs?: number;
  /** End a stream with `response.failed` when the upstream sends nothing for this long (ms). Default 300000. */
  idleTimeoutMs?: number;
  /** Retry failures that happen before any response byte (unreachable, 502/503/504). Default: no retries. */
  retry?: RetryPolicy;
  /**
   * The header the key goes in: `authorization` (as `Bearer <key>`, the default) or one that carries
   * the key alone (Anthropic's `x-api-key`).
   */
  keyHeader?: string;
  /** Headers sent with every request unless the request has its own (lower-case names; e.g. `anthropic-version`). */
  defaultHeaders?: Record<string, string>;
  /** Send the request yourself (e.g. through http-proxy-3). Must honour `ctx.signal`. */
  forward?: (request: UpstreamRequest, ctx: RoutedContext) => Promise<Response>;
  /**
   * Several keys and/or base URLs serving the same models (keys of one account, regions,
   * self-hosted replicas): the core spreads attempts over them and sets aside a target whose key is
   * refused or throttled. A target leaves out what it shares with the provider (`baseUrl`, `apiKey`).
   */
  pool?: {
    targets: PoolTarget[];
    /** `round-robin` (weighted, the default) or `least-in-flight` (fewest open requests per weight). */
    balance?: 'round-robin' | 'least-in-flight';
  };
  /**
   * The APIs this provider takes as they come. A request in another model API is translated by
   * the core through the hub (a Responses request) before any transformRequest tap sees it, and
   * the answer back; a request for another API family (embeddings, files…) is refused with 404
   * `endpoint_not_served`. Default: `['responses', 'chat.completions']`.
   */
  apis?: readonly (ModelApi | ApiFamily)[];
  /**
   * The upstream keeps Responses API state itself (`store`, `previous_response_id`, `item_reference`,
   * `GET /v1/responses/{id}`): a Responses request passes to it as the client sent it. Unset, the
   * provider's Responses route is translated and keeps nothing, so a plugin that stores responses
   * (aurora/plugins/responses-store) keeps that state for it. The openai passthrough sets it.
   */
  keepsResponses?: boolean;
  /**
   * The price of a model this provider serves (the name sent upstream), USD per million tokens;
   * undefined when it has none (its requests are then `unpriced`). Asked once per model. The
   * config's `prices` take precedence (docs/costs.md). Build it with `priceTable({...})`.
   */
  prices?: (model: string) => Price | undefined;
}

export interface RetryPolicy {
  /** Extra attempts after the first. */
  attempts: number;
  /** First backoff (ms), doubled each attempt, with jitter. Default 250. */
  baseDelayMs?: number;
}

/** One member of a provider's pool; what it leaves out it shares with the provider. */
export interface PoolTarget {
  /** Shown in target ids (`<provider>#<name>`); default its position, from 1. */
  name?: string;
  baseUrl?: string;
  apiKey?: string;
  /** Share of the requests, relative to the others. Default 1. */
  weight?: number;
}

/** Where one attempt goes: a provider's base URL and key (the provider itself, or one of its pool). */
export interface Target {
  /** `<provider>` or `<provider>#<pool member>`: in logs, metrics, the audit and the admin API. */
  id: string;
  baseUrl: string;
  apiKey: string | undefined;
  weight: number;
}

/** The answer of `resolveModel`: which provider serves the request, under which model name. */
export interface Route {
  provider: Provider;
  model: string;
}

/** The call the provider will receive. `path` is relative to the provider's `baseUrl`. */
export interface UpstreamRequest {
  method: string;
  path: string;
  headers: Headers;
  body: JsonObject | undefined;
}

/** One parsed server-sent event. `data` stays a string: parsing JSON is the reader's choice. */
export interface SseEvent {
  event?: string;
  data: string;
  id?: string;
}
export type EventStream = ReadableStream<SseEvent>;

/** Per-request data handed to every hook. */
export interface RequestContext {
  readonly id: string;
  /**
   * The model API the request speaks as the hooks see it; null on other paths (admin API,
   * dashboard, unknown paths). Once a route is found it may become `responses`: a request the
   * provider does not take in the client's API is translated to the hub (docs/front-doors.md).
   */
  readonly endpoint: Endpoint | null;
  /** The model API the client called (what its answer and errors are shaped as); null on other paths. */
  readonly clientApi: Endpoint | null;
  readonly method: string;
  readonly path: string;
  /** The client's headers as received (secrets included: never log them whole). */
  readonly headers: Headers;
  /** Aborted when the client goes away; pass it to every upstream call. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  /** The parsed JSON body (undefined for GET): the client's, or its hub translation once the route needs one. */
  readonly body: JsonObject | undefined;
  /** The client asked for a stream (`"stream": true`). */
  readonly stream: boolean;
  /**
   * For the rest of the OpenAI API (`ApiFamily` endpoints): the path and query to send, relative to
   * the provider's base URL (`/responses/resp_1/input_items?limit=2`); undefined on the model APIs.
   */
  readonly upstreamPath?: string | undefined;
  principal: Principal | undefined;
  route: Route | undefined;
  /** Facts plugins record for the audit trail (e.g. the effort mapping applied). */
  readonly annotations: Record<string, unknown>;
}

/** The context once `resolveModel` has answered. */
export interface RoutedContext extends RequestContext {
  route: Route;
  /** Where this attempt goes: send to `target.baseUrl` with `target.apiKey` (a pool picks one per attempt). */
  readonly target: Target;
}

/**
 * Tokens one request used, whatever shape the provider reported them in (core/usage.ts):
 * `input_tokens` counts every input token, those read from and written to a prompt cache
 * included; `output_tokens` every generated token, reasoning included.
 */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Of the input, tokens read from a prompt cache. */
  cached_tokens: number;
  /** Of the output, reasoning (thinking) tokens, when the provider says. */
  reasoning_tokens: number;
  /** Of the input, tokens written to a prompt cache (Anthropic's `cache_creation_input_tokens`); absent when none. */
  cache_creation_tokens?: number;
  /** Of `cache_creation_tokens`, those written with the 1-hour lifetime; absent when none. */
  cache_creation_1h_tokens?: number;
}

/** A body as the audit trail keeps it: text, cut at the capture limit. */
export interface CapturedBody {
  text: string;
  bytes: number;
  truncated: boolean;
  /** Set when the body was not kept because it is not text (audio, images, uploads): its media type. */
  omitted?: string;
}

export type Outcome = 'ok' | 'error' | 'client_closed';

/** One attempt at an upstream, as the audit record keeps it (`annotations.attempts`, when a request made more than one). */
export interface Attempt {
  model: string;
  provider: string | null;
  target: string | null;
  outcome: 'ok' | 'failed' | 'skipped';
  status?: number;
  /** Why it failed or was skipped: an error code (`upstream_timeout`, `model_not_found`, `unavailable`…). */
  reason?: string;
  ms?: number;
}

/** What happened to one request, handed to `onAudit` after the client has its answer. */
export interface AuditRecord {
  id: string;
  /** Epoch milliseconds. */
  time: number;
  durationMs: number;
  /** Time to the first response byte sent to the client. */
  ttfbMs: number | null;
  method: string;
  path: string;
  endpoint: Endpoint | null;
  principal: Principal | null;
  model: string | null;
  provider: string | null;
  upstreamModel: string | null;
  status: number;
  outcome: Outcome;
  error: { code: string; message: string } | null;
  stream: boolean;
  usage: Usage | null;
  /**
   * The id the client's answer carried (`resp_…`, `chatcmpl-…`, `msg_…`): the provider's own on a
   * passthrough, the translator's otherwise; null when the answer had none (an error, a file).
   */
  answerId: string | null;
  /**
   * What the request cost in USD: its usage at its model's price (docs/costs.md). Null when it is
   * not known: no usage was reported, or the model has no price (`unpriced`).
   */
  cost: number | null;
  /** The request used tokens of a model that has no price: its cost is unknown, not zero. */
  unpriced: boolean;
  /** Size of the client's request body. */
  requestBytes: number;
  /** Body bytes sent to the client (what it received before an abort, for a cut stream). */
  responseBytes: number;
  annotations: Record<string, unknown>;
  /** Present only when a plugin asked for bodies (`gateway.captureBodies`). Secrets removed. */
  trail: AuditTrail | null;
}

export interface AuditTrail {
  clientRequest: { headers: Record<string, string>; body: CapturedBody | null };
  upstreamRequest: { url: string; headers: Record<string, string>; body: CapturedBody | null } | null;
  upstreamResponse: { status: number; headers: Record<string, string>; body: CapturedBody | null } | null;
  clientResponse: { status: number; headers: Record<string, string>; body: CapturedBody | null };
}

/** A route a plugin adds beside the model API (admin API, dashboard, metrics). */
export interface PluginRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Exact path, or a prefix when it ends with `*` (e.g. `/admin/api/v1/*`). */
  path: string;
  handler: (request: Request, ctx: RequestContext) => Response | Promise<Response>;
}

/** What `setup()` may use: setup-time services only, never per-request state. */
export interface GatewayServices {
  readonly log: Logger;
  /** Serve an extra route. Plugin routes skip `onAuth`: check access in the handler. */
  addRoute(route: PluginRoute): void;
  /** Ask the core to keep request and response bodies (up to `maxBytes` each) for `onAudit`. */
  captureBodies(maxBytes: number): void;
  /** A value that must never appear in a log line, an audit record or an upstream echo (keys). */
  addSecret(value: string | undefined): void;
  /** Refuse to listen beyond loopback (e.g. no master key is set); `listen()` binds 127.0.0.1 instead and warns. */
  restrictToLoopback(reason: string): void;
  /** Aborted when the gateway starts to close: end long-lived work (live tails, timers) on it. */
  readonly closing: AbortSignal;
  /** Run the auth hook for a plugin route (e.g. admin API): resolves the principal or undefined. */
  authenticate(headers: Headers, ctx: RequestContext): Promise<Principal | undefined>;
}

/**
 * The hooks a plugin may implement; the kinds and order are in the hook table of docs/plugins.md.
 * `core/hooks.ts` creates exactly these, and a compile-time check keeps the two in step.
 */
export interface PluginHooks {
  /** First answer wins; nobody answers → 401. */
  onAuth?(headers: Headers, ctx: RequestContext): Principal | undefined | Promise<Principal | undefined>;
  /** First answer wins; nobody answers → 404 model_not_found. */
  resolveModel?(model: string, ctx: RequestContext): Route | undefined | Promise<Route | undefined>;
  /** Waterfall: return the request, changed or not. */
  transformRequest?: Filtered<(request: UpstreamRequest, ctx: RoutedContext) => UpstreamRequest | Promise<UpstreamRequest>>;
  /** Waterfall over the parsed event stream: wrap it (`pipeThrough`) or return it unchanged. Never read it here. */
  transformStream?: Filtered<(stream: EventStream, ctx: RoutedContext) => EventStream>;
  /** Waterfall over a whole (non-stream, 2xx) JSON response. */
  transformResponse?: Filtered<(response: JsonObject, ctx: RoutedContext) => JsonObject | Promise<JsonObject>>;
  /**
   * Parallel, after the client has its answer; awaited on shutdown. With `{ filter, handler }` the
   * record is built only for requests some tap wants (the filter sees the context, not the record).
   */
  onAudit?: Filtered<(record: AuditRecord, ctx: RequestContext) => void | Promise<void>, RequestContext>;
}

/**
 * A transform hook or onAudit, either a function or `{ filter, handler }`: the handler runs only for requests
 * the filter accepts. When no tap accepts a request, the core skips the hook entirely — no JSON
 * parse of the answer, no event parsing of the stream — so a plugin that reshapes only its own
 * routes costs nothing on everyone else's (the idea of Rolldown's hook filters).
 */
export type Filtered<F, C = RoutedContext> = F | { filter: (ctx: C) => boolean; handler: F };

export type HookName = keyof PluginHooks;

export interface Plugin extends PluginHooks {
  /** Unique; shown in logs and errors. */
  name: string;
  /** 'pre' runs before normal plugins, 'post' after. */
  enforce?: 'pre' | 'post';
  /** The plugin's options, validated at startup against `optionsSchema`. */
  options?: unknown;
  /** JSON Schema for `options` (ajv, draft-07). */
  optionsSchema?: object;
  /** Open stores, start timers, add routes. Runs once, before the gateway listens. */
  setup?: (gateway: GatewayServices) => void | Promise<void>;
  /** Undo `setup`: flush, close, clear timers. */
  close?: () => void | Promise<void>;
  /** What the plugin serves, for the startup banner and `node core --check`. */
  describe?: () => PluginDescription;
  /** Subcommands of `node core` (e.g. `node core keys create …`), run with the config loaded and no server. */
  commands?: Record<string, PluginCommand>;
}

export interface PluginDescription {
  /** Upstreams this plugin routes to, with the model names or globs it claims ('*' for a catch-all). */
  providers?: Array<{ name: string; baseUrl: string; models: string[]; keySet: boolean; /** Pool target ids, when the provider has a pool. */ targets?: string[] }>;
  /** One-line facts worth showing at startup (e.g. "auth: master key required"). */
  notes?: string[];
}

export interface PluginCommand {
  /** One line for `node core --help`. */
  description: string;
  /** `args` are the words after the command name; resolve to the exit code. Print results on stdout. */
  run(args: string[]): number | Promise<number>;
}
