/**
 * createGateway: validate and order plugins, tap and freeze the hooks, run `setup`, and offer the
 * three ways in: `handler` (node:http listener), `listen()` (a real port) and `request()` (in
 * process, like Fastify's inject). `close()` drains in-flight requests and pending audits.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inject } from 'light-my-request';
import { buildAuditRecord, observation, type Finished } from './audit-record.ts';
import type { MutableContext } from './context.ts';
import { StartupError } from './errors.ts';
import { createHooks, type Hooks } from './hooks.ts';
import { createLogger, type LogLevel, type Logger } from './logger.ts';
import type { Exchange } from './pipeline.ts';
import { checkPlugins, freezeHooks, sortPlugins, tapPlugins } from './plugins.ts';
import { createHttpServer, createRequestListener } from './server.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import type { GatewayServices, Plugin, PluginDescription, PluginRoute, RoutedContext } from './types.ts';

export interface ServerOptions {
  /** Interface to bind. Default 127.0.0.1; binding elsewhere needs AURORA_MASTER_KEY (see the auth plugin). */
  host?: string;
  /** Default 8080. */
  port?: number;
  /** Largest accepted request body in bytes (413 beyond). Default 10 MB. */
  bodyLimit?: number;
  /** Time a client has to send its headers (ms). Default 30 s. */
  headersTimeoutMs?: number;
  /** Time a client has to send its whole request (ms). Default 120 s. */
  requestTimeoutMs?: number;
  /** How long a graceful stop waits for in-flight requests before closing them (ms). Default 30 s. */
  shutdownTimeoutMs?: number;
  /** Serve Prometheus metrics at GET /metrics. Default true. */
  metrics?: boolean;
  /** Processes sharing the port (node:cluster), for more than one core. Default 1. */
  workers?: number;
}

export interface AuroraConfig {
  server?: ServerOptions;
  /** Rebuild the config when it (or a file it imports) changes, and swap the pipeline without dropping requests. */
  watch?: boolean;
  log?: { level?: LogLevel };
  plugins?: Plugin[];
}

export interface GatewayOptions {
  /** Replaces the default JSON-lines logger on stderr. */
  logger?: Logger;
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
}

export const SERVER_DEFAULTS: Required<ServerOptions> = {
  host: '127.0.0.1',
  port: 8080,
  bodyLimit: 10 * 1024 * 1024,
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 120_000,
  shutdownTimeoutMs: 30_000,
  metrics: true,
  workers: 1,
};

export async function createGateway(config: AuroraConfig = {}, options: GatewayOptions = {}): Promise<Gateway> {
  const rawPlugins = config.plugins ?? [];
  checkPlugins(rawPlugins);
  const plugins = sortPlugins(rawPlugins);
  const server: Required<ServerOptions> = { ...SERVER_DEFAULTS, ...config.server };
  const secrets = new Set<string>();
  const log = options.logger ?? createLogger({ level: config.log?.level ?? 'info', secrets: () => secrets });
  const hooks = createHooks();
  const wants = tapPlugins(hooks, plugins);

  const routes: PluginRoute[] = [];
  let captureLimit = 0;
  let loopbackOnly: string | undefined;
  const pendingAudits = new Set<Promise<void>>();
  let inFlight = 0;
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

  const metrics = server.metrics ? createMetrics() : undefined;
  const audited = hooks.onAudit.isUsed();
  const finish = (ctx: MutableContext, exchange: Exchange, finished: Finished) => {
    log.info('request', {
      requestId: ctx.id,
      method: ctx.method,
      path: ctx.path,
      status: finished.status,
      outcome: finished.outcome,
      ms: Math.round(performance.now() - ctx.startedAt),
      model: ctx.body?.model,
      provider: ctx.route?.provider.name,
      principal: ctx.principal?.id,
    });
    // The whole record (secrets scrubbed, headers copied) only when an onAudit tap wants this
    // request; metrics alone need a handful of fields.
    if (!audited || !wants.onAudit(ctx as RoutedContext)) return void metrics?.observe(observation(ctx, exchange, finished));
    const perRequest = [...secrets, ...presentedKeys(ctx.headers)];
    if (ctx.route?.provider.apiKey) perRequest.push(ctx.route.provider.apiKey);
    const record = buildAuditRecord(ctx, exchange, finished, captureLimit, perRequest);
    metrics?.observe(record);
    const pending = hooks.onAudit.promise(record, ctx).catch((err) => {
      log.error('onAudit handler failed', { plugin: (err as { plugin?: string })?.plugin, requestId: ctx.id, err });
    });
    pendingAudits.add(pending);
    void pending.finally(() => pendingAudits.delete(pending));
  };

  const listener = createRequestListener({
    hooks,
    wants,
    metrics,
    log,
    routes,
    bodyLimit: server.bodyLimit,
    // Usage (for the audit and token metrics) is read from a copy of what the client received.
    capture: (ctx) => (audited && wants.onAudit(ctx) ? captureLimit : metrics ? 0 : false),
    secrets: () => secrets,
    isClosing: () => closing,
    closing: closingController.signal,
    finish,
    closed: () => {
      if (--inFlight === 0) idle?.();
    },
  });
  const handler: Gateway['handler'] = (req, res) => {
    inFlight++;
    listener(req, res);
  };

  let http: Server | undefined;
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
    async listen(opts = {}) {
      if (http) throw new Error('gateway is already listening');
      http = createHttpServer(handler, { headersTimeoutMs: server.headersTimeoutMs, requestTimeoutMs: server.requestTimeoutMs });
      let host = opts.host ?? server.host;
      if (loopbackOnly && !isLoopback(host)) {
        log.warn(`refusing to listen on ${host}: ${loopbackOnly}; listening on 127.0.0.1 only`);
        host = '127.0.0.1';
      }
      await new Promise<void>((resolve, reject) => {
        http!.once('error', reject);
        http!.listen(opts.port ?? server.port, host, () => {
          http!.off('error', reject);
          resolve();
        });
      });
      const { port } = http.address() as AddressInfo;
      const shown = host.includes(':') ? `[${host}]` : host;
      return { url: `http://${shown}:${port}`, host, port };
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
        closing = true;
        closingController.abort();
        const stopped = http ? new Promise<void>((resolve) => http!.close(() => resolve())) : undefined;
        http?.closeIdleConnections();
        // Also when another server owns the socket (--watch swaps): the old pipeline drains first.
        if (inFlight > 0) {
          const drained = new Promise<void>((resolve) => (idle = resolve));
          const timeout = new Promise<void>((resolve) => setTimeout(resolve, server.shutdownTimeoutMs).unref());
          await Promise.race([drained, timeout]);
        }
        http?.closeAllConnections();
        await stopped;
        await Promise.allSettled([...pendingAudits]);
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

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

/** The keys a client presented, so an echo of them never reaches the audit trail. */
function presentedKeys(headers: Headers): string[] {
  const out: string[] = [];
  const auth = headers.get('authorization');
  if (auth) out.push(auth.replace(/^Bearer\s+/i, ''));
  const apiKey = headers.get('x-api-key');
  if (apiKey) out.push(apiKey);
  return out;
}
