#!/usr/bin/env node
/**
 * `node core`: load the config, start the gateway, stop gracefully on SIGTERM/SIGINT.
 * Startup problems print one clear message and exit 1; they never print a stack to a user.
 */
import { parseArgs } from 'node:util';
import { findConfigFile, loadConfig } from './config/load.ts';
import { createValidator } from './config/validate.ts';
import { createGateway, type Gateway } from './gateway.ts';
import { StartupError } from './errors.ts';
import type { Plugin } from './types.ts';

const USAGE = `Usage: node core [options]

Options:
  --config <file>   config file (default: aurora.config.ts in the current folder, or $AURORA_CONFIG)
  --host <host>     override server.host
  --port <port>     override server.port
  --check           validate the config, print what it resolves to, and exit
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
    process.stdout.write(USAGE);
    return 0;
  }

  const file = findConfigFile(options.config ?? process.env.AURORA_CONFIG);
  const { config } = await loadConfig(file);
  createValidator()(config, file);
  if (positionals.length > 0) return runCommand(config.plugins ?? [], positionals, file);
  if (options.port !== undefined) {
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new StartupError('AURORA_ERR_CONFIG_INVALID', `--port must be an integer from 0 to 65535, got "${options.port}"`);
    config.server = { ...config.server, port };
  }
  if (options.host) config.server = { ...config.server, host: options.host };

  if (options.check) {
    const names = (config.plugins ?? []).map((p) => p.name);
    process.stdout.write(`${file}: OK\nplugins: ${names.join(', ') || '(none)'}\nserver: ${JSON.stringify({ host: '127.0.0.1', port: 8080, ...config.server })}\n`);
    return 0;
  }

  const gateway = await createGateway(config);
  const { url } = await gateway.listen();
  printBanner(gateway, url, file);
  await untilSignal(gateway);
  return 0;
}

function findCommandStart(argv: string[]): number {
  const takesValue = new Set(['--config', '--host', '--port']);
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

function printBanner(gateway: Gateway, url: string, file: string) {
  gateway.log.info(`Aurora listening on ${url}`, {
    config: file,
    plugins: gateway.plugins.map((p) => p.name),
    endpoints: [`${url}/v1/responses`, `${url}/v1/chat/completions`, `${url}/v1/models`, `${url}/health`],
  });
}

function untilSignal(gateway: Gateway): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        gateway.log.warn(`${signal} again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      gateway.log.info(`${signal}: finishing in-flight requests, then stopping`, { timeoutMs: gateway.server.shutdownTimeoutMs });
      gateway.close().then(() => {
        gateway.log.info('stopped');
        resolve();
      }, (err) => {
        gateway.log.error('error while stopping', { err });
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
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
  },
);
