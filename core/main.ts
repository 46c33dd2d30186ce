#!/usr/bin/env node
/**
 * `node core`: load the config, start the gateway, stop gracefully on SIGTERM/SIGINT.
 * Startup problems print one clear message and exit 1; they never print a stack to a user.
 */
import { parseArgs } from 'node:util';
import { findConfigFile, loadConfig } from './config/load.ts';
import { validateConfig } from './config/validate.ts';
import cluster from 'node:cluster';
import { watchConfig } from './config/watch.ts';
import { createGateway, type AuroraConfig, type Gateway } from './gateway.ts';
import { listen } from './listen.ts';
import type { Logger } from './logger.ts';
import { StartupError } from './errors.ts';
import type { Plugin } from './types.ts';

const USAGE = `Usage: node core [options]

Options:
  --config <file>   config file (default: aurora.config.ts in the current folder, or $AURORA_CONFIG)
  --host <host>     override server.host
  --port <port>     override server.port
  --check           validate the config, print the providers, model routes and plugins it resolves to, and exit
  --watch           rebuild the config when it or a file it imports changes; swap without dropping requests
  --workers <n>     run n processes sharing the port (node:cluster)
  <command> …       run a plugin's command (e.g. \`node core keys create --name alice\`)
  -h, --help        show this help
`;

async function main(): Promise<number> {
  // Options before a command word are the core's; everything after it belongs to the command.
  const argv = process.argv.slice(2);
  const commandAt = findCommandStart(argv);
  let args;
  try {
    args = parseArgs({
      args: argv.slice(0, commandAt),
      options: {
        config: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        check: { type: 'boolean' },
        watch: { type: 'boolean' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: options } = args;
  const positionals = argv.slice(commandAt);
  if (options.help && positionals.length === 0) {
    process.stdout.write(USAGE + (await pluginCommandsHelp(options.config ?? process.env.AURORA_CONFIG)));
    return 0;
  }

  const file = findConfigFile(options.config ?? process.env.AURORA_CONFIG);
  const { config, dependencies } = await loadConfig(file);
  validateConfig(config, file);
  if (positionals.length > 0) return runCommand(config.plugins ?? [], positionals, file);
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError('AURORA_ERR_CONFIG_INVALID', `--port must be an integer from 0 to 65535, got "${options.port}"`);
    config.server = { ...config.server, port };
  }
  if (options.host) config.server = { ...config.server, host: options.host };

  if (options.watch) config.watch = true;
  if (options.workers !== undefined) {
    const workers = Number(options.workers);
    if (!Number.isInteger(workers) || workers < 1) throw new StartupError('AURORA_ERR_CONFIG_INVALID', `--workers must be a positive integer, got "${options.workers}"`);
    config.server = { ...config.server, workers };
  }

  if (options.check) {
    // Run setup (without listening) so each plugin can say what it resolved to.
    const gateway = await createGateway({ ...config, log: { level: 'warn' } }, { configFile: file });
    process.stdout.write(`${file}: OK\n${describeGateway(gateway, '(checked, not started)')}`);
    await gateway.close();
    return 0;
  }

  const workers = config.server?.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) return runPrimary(workers);
  return serve(file, config, dependencies);
}

/** Listen with the config's gateway; with `watch`, rebuild and swap it when the config changes. */
async function serve(file: string, config: AuroraConfig, dependencies: string[]): Promise<number> {
  let current = await createGateway(config, { configFile: file });
  // One server for the life of the process: a --watch reload swaps the gateway behind it.
  const listening = await listen((req, res) => current.handler(req, res), { ...current.server, loopbackOnly: current.loopbackOnly, log: current.log });
  current.log.info(`Aurora listening on ${listening.url}`, { pid: process.pid, config: file });
  process.stderr.write(describeGateway(current, listening.url));

  const stopWatching = config.watch ? watchConfig(file, dependencies, current.log, async (next) => {
    const replacement = await createGateway(next, { configFile: file });
    const previous = current;
    current = replacement;
    replacement.log.info('config reloaded: new requests use the new pipeline', { config: file, plugins: replacement.plugins.map((p) => p.name) });
    await previous.close(); // drains the old pipeline's in-flight requests, then closes its plugins
  }) : undefined;

  await untilSignal(current.log, async () => {
    stopWatching?.();
    listening.closeIdle();
    // Drains (the port stays open for probes meanwhile), cuts what outlives shutdownTimeoutMs,
    // writes every record, closes the plugins; only then does the port close.
    await current.close();
    await listening.close();
  }, () => current.server.shutdownTimeoutMs);
  // A worker's IPC channel to the primary keeps it alive: let go of it so the process can end.
  if (cluster.isWorker) cluster.worker?.disconnect();
  return 0;
}

/** `--workers N`: N processes share the port through node:cluster; signals are passed on. */
function runPrimary(workers: number): Promise<number> {
  return new Promise(() => {
    let alive = workers;
    let failed = false;
    let stopping = false;
    for (let i = 0; i < workers; i++) cluster.fork();
    cluster.on('exit', (worker, code) => {
      if (code !== 0) failed = true;
      if (!stopping && code !== 0) {
        process.stderr.write(`aurora: worker ${worker.process.pid} exited with ${code}; stopping the others\n`);
        stop('SIGTERM');
      }
      // The primary holds esbuild's service from loading the config: exit explicitly once the workers are gone.
      if (--alive === 0) process.exit(failed ? 1 : 0);
    });
    const stop = (signal: NodeJS.Signals) => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}

/** The startup banner: address, plugins, providers with their model patterns, whether auth is on. */
function describeGateway(gateway: Gateway, url: string): string {
  const lines = [`Aurora ${url}`, `  plugins:   ${gateway.plugins.map((p) => p.name).join(', ') || '(none)'}`];
  const described = gateway.describe();
  for (const { providers = [] } of described) {
    for (const p of providers) {
      lines.push(`  provider:  ${p.name} → ${p.baseUrl}  models: ${p.models.join(', ')}${p.keySet ? '' : '  (NO API KEY SET)'}`);
    }
  }
  for (const { notes = [] } of described) for (const note of notes) lines.push(`  ${note}`);
  for (const [alias, model] of Object.entries(gateway.router.aliases)) lines.push(`  alias:     ${alias} → ${model}`);
  for (const [model, chain] of Object.entries(gateway.router.fallbacks)) lines.push(`  fallback:  ${model} → ${chain.join(' → ')}`);
  const upstreams = gateway.upstreams();
  if (upstreams.length) lines.push(`  breakers:  ${upstreams.map((u) => `${u.id} ${u.state}`).join(' · ')}`);
  if (!gateway.hooks.onAuth.isUsed()) lines.push('  auth: no plugin answers onAuth — every request gets 401; add auth() to plugins');
  if (url.startsWith('http')) lines.push(`  endpoints: ${url}/v1/responses  ${url}/v1/chat/completions  ${url}/v1/models  ${url}/health${gateway.metrics ? `  ${url}/metrics` : ''}`);
  return `${lines.join('\n')}\n`;
}

/** The commands the config's plugins add, for --help; nothing when there is no loadable config. */
async function pluginCommandsHelp(explicit: string | undefined): Promise<string> {
  try {
    const file = findConfigFile(explicit);
    const { config } = await loadConfig(file);
    const lines = (config.plugins ?? []).flatMap((p) => Object.entries(p?.commands ?? {}).map(([name, c]) => `  ${name.padEnd(18)}${c.description} (${p.name})`));
    return lines.length ? `\nCommands (from the plugins in ${file}):\n${lines.join('\n')}\n` : '';
  } catch {
    return '';
  }
}

function findCommandStart(argv: string[]): number {
  const takesValue = new Set(['--config', '--host', '--port', '--workers']);
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (takesValue.has(word)) i++;
    else if (!word.startsWith('-')) return i;
  }
  return argv.length;
}

/** `node core <command> …`: a subcommand some plugin provides (e.g. the auth plugin's `keys`). */
async function runCommand(plugins: Plugin[], words: string[], file: string): Promise<number> {
  const [name, ...rest] = words as [string, ...string[]];
  const commands = plugins.flatMap((p) => Object.entries(p.commands ?? {}).map(([n, c]) => ({ name: n, command: c, plugin: p.name })));
  const found = commands.find((c) => c.name === name);
  if (!found) {
    const known = commands.map((c) => `  ${c.name.padEnd(16)}${c.command.description} (${c.plugin})`).join('\n');
    process.stderr.write(`aurora: unknown command "${name}". Commands from the plugins in ${file}:\n${known || '  (none)'}\n`);
    return 2;
  }
  return found.command.run(rest);
}

function untilSignal(log: Logger, stop: () => Promise<void>, timeoutMs: () => number): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) {
        log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      log.info(`${signal}: finishing in-flight requests, then stopping`, { timeoutMs: timeoutMs() });
      stop().then(
        () => {
          log.info('stopped');
          resolve();
        },
        (err) => {
          log.error('error while stopping', { err });
          resolve();
        },
      );
    };
    process.once('SIGTERM', () => onSignal('SIGTERM'));
    process.once('SIGINT', () => onSignal('SIGINT'));
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof StartupError) process.stderr.write(`aurora: ${err.message}\n`);
    else process.stderr.write(`aurora: failed to start: ${(err as Error)?.stack ?? err}\n`);
    process.exitCode = 1;
    // A worker's IPC channel would keep it alive, and the primary waiting on it forever.
    if (cluster.isWorker) cluster.worker?.disconnect();
  },
);
