/**
 * createGateway: validate and order plugins, tap and freeze the hooks, run `setup`, and offer the
 * three ways in: `handler` (node:http listener), `listen()` (a real port) and `request()` (in
 * process, like Fastify's inject). `close()` drains in-flight requests and pending audits.
 */
import { inject } from 'light-my-request';
import { validateConfig } from './config/validate.ts';
import { nodeRequestOf, type MutableContext } from './context.ts';
import { GatewayError, StartupError } from './errors.ts';
import { createHooks, type Hooks } from './hooks.ts';
import { listen, type Listening } from './listen.ts';
import { createLogger, type LogLevel, type Logger } from './logger.ts';
import { checkPlugins, freezeHooks, sortPlugins, tapPlugins } from './plugins.ts';
import { InFlight } from './in-flight.ts';
import { createHealth, type TargetHealth } from './routing/breakers.ts';
import { checkRouting, routingRoutes } from './routing/startup.ts';
import { createRouter, type Router, type RoutingOptions } from './routing/router.ts';
import { createScrubbing, type Scrubbing } from './secret-scrubber.ts';
import { createRequestListener } from './server.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { PriceSetting } from './pricing/price.ts';
import { createPricing } from './pricing/pricing.ts';
import type { GatewayServices, Plugin, PluginDescription, PluginRoute } from './types.ts';

export interface ServerOptions {
  /** Interface to bind. Default 127.0.0.1; binding elsewhere needs AURORA_MASTER_KEY (see the auth plugin). */
  host?: string;
  /** Default 8080. */
  port?: number;
  /** Largest request body read whole (JSON), in bytes (413 beyond). Default 10 MB. */
  bodyLimit?: number;
  /**
   * Largest upload passed on as it arrives (a file, audio, an image to edit: any body that is not
   * JSON), in bytes (413 beyond). Never held whole. Default 512 MiB (OpenAI's file limit).
   */
  uploadLimit?: number;
  /** Time a client has to send its headers (ms). Default 30 s. */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request (ms). Default 120 s. */
  requestTimeoutMs?: number;
  /** How long a graceful stop waits for in-flight requests before closing them (ms). Default 30 s. */
  shutdownTimeoutMs?: number;
  /**
   * The largest upstream body the gateway holds in memory whole — a translated answer, a single
   * streamed event — in bytes; past it the client gets a 502. Passed-through bodies are streamed
   * and not bounded by it. Default 32 MiB.
   */
  upstreamBodyLimit?: number;
  /** Serve Prometheus metrics at GET /metrics. Default true. */
  metrics?: boolean;
  /** Processes sharing the port (node:cluster), for more than one core. Default 1. */
  workers?: number;
}

export interface AuroraConfig {
  server?: ServerOptions;
  /** Model aliases, fallback chains, circuit breakers and attempt timing (docs/routing.md). */
  routing?: RoutingOptions;
  /** Rebuild the config when it (or a file it imports) changes, and swap the pipeline without dropping requests. */
  watch?: boolean;
  log?: { level?: LogLevel };
  /**
   * Prices that override or extend the providers' own tables: model names (as sent upstream) or
   * `*` globs → USD per million tokens, or `'free'` (docs/costs.md).
   */
  prices?: Record<string, PriceSetting>;
  plugins?: Plugin[];
}

export interface GatewayOptions {
  /** Replaces the default JSON-lines logger on stderr. */
  logger?: Logger;
  /** Where the config came from, named in validation errors. Default: "the config passed to createGateway()". */
  configFile?: string;
}

export interface Gateway {
  readonly hooks: Hooks;
  readonly plugins: readonly Plugin[];
  readonly log: Logger;
  readonly server: Required<ServerOptions>;
  /** The node:http listener, for mounting in a server of your own. */
  readonly handler: ReturnType<typeof createRequestListener>;
  /** Bind a port (0 for an ephemeral one). */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; host: string; port: number }>;
  /** Run one request through the whole pipeline without a socket. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** Stop accepting, finish in-flight requests (bounded), flush audits, close plugins. */
  close(): Promise<void>;
  /** Strings that must never leave the gateway (keys); plugins add theirs in setup. */
  readonly secrets: ReadonlySet<string>;
  /** Why the gateway must stay on loopback (no master key), if it must. */
  readonly loopbackOnly: string | undefined;
  readonly metrics: Metrics | undefined;
  /** What each plugin says it serves (providers, model patterns, auth), for the banner and --check. */
  describe(): Array<{ plugin: string } & PluginDescription>;
  /** The routing config as compiled (aliases, fallbacks). */
  readonly router: Router;
  /** Every upstream target (a provider, or each member of its pool) with its breaker and set-aside. */
  upstreams(): TargetHealth[];
}

export const SERVER_DEFAULTS: Required<ServerOptions> = {
  host: '127.0.0.1',
  port: 8080,
  bodyLimit: 10 * 1024 * 1024,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
  shutdownTimeoutMs: 30_000,
  upstreamBodyLimit: 32 * 1024 * 1024,
  uploadLimit: 512 * 1024 * 1024,
  metrics: true,
  workers: 1,
};

// After the drain timeout, how long cut requests get to send their failure and be recorded.
const CUT_GRACE_MS = 2_000;

export async function createGateway(config: AuroraConfig = {}, options: GatewayOptions = {}): Promise<Gateway> {
  // The same checks as `node core` runs on a config file: an embedder's or a test's config is no less wrong.
  validateConfig(config, options.configFile ?? 'the config passed to createGateway()');
  const rawPlugins = config.plugins ?? [];
  checkPlugins(rawPlugins);
  const plugins = sortPlugins(rawPlugins);
  const server: Required<ServerOptions> = { ...SERVER_DEFAULTS, ...config.server };
  const secrets = new Set<string>();
  const log = options.logger ?? createLogger({ level: config.log?.level ?? 'info', secrets: () => secrets });
  const hooks = createHooks();
  const wants = tapPlugins(hooks, plugins);
  const router = createRouter(config.routing);

  const routes: PluginRoute[] = [];
  let captureLimit = 0;
  let loopbackOnly: string | undefined;
  const pendingAudits = new InFlight<Promise<void>>();
  const active = new InFlight<MutableContext>();
  let closing = false;
  let idle: (() => void) | undefined;

  const closingController = new AbortController();
  const services: GatewayServices = {
    log,
    closing: closingController.signal,
    addRoute: (route) => void routes.push(route),
    captureBodies: (maxBytes) => void (captureLimit = Math.max(captureLimit, maxBytes)),
    addSecret: (value) => void (value && secrets.add(value)),
    restrictToLoopback: (reason) => void (loopbackOnly = reason),
    authenticate: (headers, ctx) => hooks.onAuth.promise(headers, ctx),
  };
  const ready: Plugin[] = [];
  try {
    for (const plugin of plugins) {
      await plugin.setup?.(services);
      ready.push(plugin);
    }
  } catch (err) {
    await closePlugins(ready, log);
    const failed = plugins[ready.length]!;
    throw new StartupError('AURORA_ERR_PLUGIN_SETUP', `plugin ${failed.name} failed in setup(): ${(err as Error)?.message ?? err}`, { cause: err });
  }
  freezeHooks(hooks);
  try {
    await checkRouting(router, hooks, log, options.configFile ?? 'the config passed to createGateway()');
  } catch (err) {
    await closePlugins([...plugins].reverse(), log);
    throw err;
  }

  const metrics = server.metrics ? createMetrics() : undefined;
  const health = createHealth(config.routing?.breaker);
  health.onChange = (target) => {
    metrics?.breaker(target.provider, target.id, target.state);
    log.warn(`upstream ${target.id}: circuit ${target.state}`, { provider: target.provider, failures: target.failures });
  };
  for (const { providers = [] } of plugins.map((p) => p.describe?.() ?? {})) {
    for (const provider of providers) for (const id of provider.targets ?? [provider.name]) health.register(id, provider.name);
  }
  routes.push(...routingRoutes(services, router, health));
  const audited = hooks.onAudit.isUsed();
  // Secrets are added in setup; a plugin's later addSecret (rare) is picked up on the next request.
  let scrubbing: Scrubbing = createScrubbing(secrets);
  let scrubbed = secrets.size;
  const currentScrubbing = () => {
    if (secrets.size !== scrubbed) [scrubbing, scrubbed] = [createScrubbing(secrets), secrets.size];
    return scrubbing;
  };

  const handler = createRequestListener({
    hooks,
    wants,
    metrics,
    bodyLimit: server.bodyLimit,
    uploadLimit: server.uploadLimit,
    upstreamBodyLimit: server.upstreamBodyLimit,
    routes,
    // Usage (for the audit and token metrics) is read from a copy of what the client received.
    capture: (ctx) => (audited && wants.onAudit(ctx) ? captureLimit : metrics ? 0 : false),
    scrubbing: currentScrubbing,
    isClosing: () => closing,
    closing: closingController.signal,
    loopbackOnly: () => loopbackOnly,
    router,
    health,
    begin(ctx) {
      const entry = active.add(ctx);
      return () => {
        active.delete(entry);
        if (active.size === 0) idle?.();
      };
    },
    recorder: {
      hooks,
      wants,
      log,
      metrics,
      pricing: createPricing(config.prices),
      audited,
      captureLimit: () => captureLimit,
      released: (target) => health.finished(target),
      secrets: () => secrets,
      track(pending) {
        const entry = pendingAudits.add(pending);
        void pending.finally(() => pendingAudits.delete(entry));
      },
    },
  });

  /** Resolves when no request is in flight, or after `ms`. */
  const drained = (ms: number) => {
    if (active.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      idle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };

  let listening: Listening | undefined;
  let closed: Promise<void> | undefined;

  const gateway: Gateway = {
    hooks,
    plugins,
    log,
    server,
    handler,
    secrets,
    metrics,
    get loopbackOnly() {
      return loopbackOnly;
    },
    describe: () => plugins.map((p) => ({ plugin: p.name, ...p.describe?.() })),
    router,
    upstreams: () => health.list(),
    async listen(opts = {}) {
      if (listening) throw new Error('gateway is already listening');
      listening = await listen(handler, { ...server, host: opts.host ?? server.host, port: opts.port ?? server.port, loopbackOnly, log });
      const { url, host, port } = listening;
      return { url, host, port };
    },
    async request(path, init = {}) {
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => (headers[k] = v));
      const body = init.body == null ? undefined : typeof init.body === 'string' ? init.body : Buffer.from(await new Response(init.body).arrayBuffer());
      const res = await inject(handler, { method: (init.method ?? 'GET') as 'GET', url: path, headers, payload: body, payloadAsStream: true, signal: init.signal ?? undefined });
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : String(v));
      const stream = res.stream() as unknown as import('node:stream').Readable;
      const noBody = res.statusCode === 204 || res.statusCode === 304;
      return new Response(noBody ? null : (await import('node:stream')).Readable.toWeb(stream) as ReadableStream, { status: res.statusCode, headers: out });
    },
    close() {
      closed ??= (async () => {
        // Draining: the port stays open so probes see /ready 503 and new requests a 503 while
        // in-flight ones finish (also when another server owns the socket: --watch swaps).
        closing = true;
        closingController.abort();
        listening?.closeIdle();
        await drained(server.shutdownTimeoutMs);
        if (active.size > 0) {
          // Past the timeout: each request still running ends with an answer that says so (a
          // stream with its failure event, a request still waiting for its upstream with a 503),
          // and is recorded like any other before the plugins (the audit store) close.
          const reason = new GatewayError('AURORA_ERR_SHUTTING_DOWN', { message: `The gateway is shutting down and stopped this request after shutdownTimeoutMs (${server.shutdownTimeoutMs} ms); retry it` });
          for (const ctx of active.values()) ctx.connection.cut(reason);
          await drained(CUT_GRACE_MS);
          for (const ctx of active.values()) nodeRequestOf(ctx)?.res.destroy();
          await drained(CUT_GRACE_MS);
        }
        await listening?.close();
        await Promise.allSettled(pendingAudits.values());
        await closePlugins([...plugins].reverse(), log);
      })();
      return closed;
    },
  };
  return gateway;
}

async function closePlugins(plugins: readonly Plugin[], log: Logger) {
  for (const plugin of plugins) {
    try {
      await plugin.close?.();
    } catch (err) {
      log.error('plugin close() failed', { plugin: plugin.name, err });
    }
  }
}
