/** Small helpers shared by the end-to-end suites. */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Logger, Plugin, ServerOptions } from 'aurora';
import { createMemoryLogger, createTestGateway, startMockUpstream, type MockUpstream, type MockUpstreamOptions, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import openai, { type OpenAIOptions } from 'aurora/plugins/openai';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('./fixtures/codex/', import.meta.url));
export const MASTER_KEY = 'test-master-key-0123';
export const UPSTREAM_KEY = 'sk-upstream-secret-0123456789';

export function post(url: string, body: unknown, init: { key?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? MASTER_KEY}`;
  return fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body), signal: init.signal });
}

export const SEED = { model: 'gpt-4.1-mini', input: 'Reply with exactly ok', max_output_tokens: 16 };

/** Auth with the test master key, then the OpenAI passthrough to `upstream` (the emulator, by default). */
export function passthrough(upstream: { url: string }, options: OpenAIOptions = {}): Plugin[] {
  return [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${upstream.url}/v1`, apiKey: UPSTREAM_KEY, ...options })];
}

export interface EmulatedGateway {
  /** The emulated upstream (its key is UPSTREAM_KEY). */
  readonly mock: MockUpstream;
  /** The gateway in front of it, on an ephemeral loopback port. */
  readonly gw: TestGateway;
}

/** The suite's own emulated upstream (its key is UPSTREAM_KEY): started before its tests, closed after them. */
export function emulatedUpstream(options: MockUpstreamOptions = {}): { readonly mock: MockUpstream } {
  const suite = {} as { mock: MockUpstream };
  beforeAll(async () => {
    suite.mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, ...options });
  });
  afterAll(async () => {
    await suite.mock?.close();
  });
  return suite;
}

/**
 * A suite's gateway with `plugins(mock)` in front of its own emulated upstream: both start before
 * the suite's tests and close after them. Read `mock` and `gw` inside tests (they exist from then).
 */
export function emulatedGateway(plugins: (mock: MockUpstream) => Plugin[], options: { upstream?: MockUpstreamOptions; server?: ServerOptions } = {}): EmulatedGateway {
  const suite = {} as { mock: MockUpstream; gw: TestGateway };
  beforeAll(async () => {
    suite.mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, ...options.upstream });
    suite.gw = await createTestGateway({ server: options.server, plugins: plugins(suite.mock) });
  });
  afterAll(async () => {
    await suite.gw?.close();
    await suite.mock?.close();
  });
  return suite;
}

/** A raw upstream for byte-exact tests: answers every request with `handler`. */
export async function startRawUpstream(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/**
 * An upstream that drops every connection on its second request, as a server closing an idle
 * keep-alive socket does at the moment the gateway reuses it; first requests get a Responses JSON.
 */
export function startStaleSocketUpstream(): ReturnType<typeof startRawUpstream> {
  const seen = new WeakMap<object, number>();
  return startRawUpstream((req, res) => {
    const n = (seen.get(req.socket) ?? 0) + 1;
    seen.set(req.socket, n);
    if (n > 1) return void req.socket.destroy();
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: 'resp_1', object: 'response', output: [] }));
  });
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function tempDir(prefix = 'aurora-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/**
 * A config file for `node core` in a new temp folder: auth (master key from the environment) and
 * the openai passthrough to `upstream`, with `server` options and any `extra` plugins (their
 * imports in `imports`). Returns the file and its folder.
 */
export async function writePassthroughConfig(upstream: { url: string }, options: { server?: object; imports?: string; extra?: (dir: string) => string } = {}): Promise<{ file: string; dir: string }> {
  const dir = await tempDir();
  const extra = options.extra ? `, ${options.extra(dir)}` : '';
  const file = await writeConfig(dir, `import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
${options.imports ?? ''}
export default defineConfig({ server: ${JSON.stringify({ port: 0, ...options.server })}, plugins: [auth(), openai({ baseUrl: '${upstream.url}/v1', apiKey: '${UPSTREAM_KEY}' })${extra}] });
`);
  return { file, dir };
}

export async function writeConfig(dir: string, source: string, name = 'aurora.config.ts'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, source);
  return file;
}

export interface RunningCore {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * `node core` runs dist/: rebuild it when a source file is newer. A full `npm test` has built
 * already, and rebuilding then would pull dist/ from under suites running beside this one.
 */
export function buildIfStale(): void {
  let built = 0;
  try {
    built = statSync(join(ROOT, 'dist/core/main.js')).mtimeMs;
  } catch {
    // not built yet
  }
  const newest = ['core', 'plugins', 'examples', 'admin'].reduce((max, folder) => Math.max(max, newestSource(join(ROOT, folder))), 0);
  if (newest > built) execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'pipe' });
}

function newestSource(folder: string): number {
  let max = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && /\.(ts|mjs|css|html)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) max = Math.max(max, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return max;
}

/**
 * Undo steps run after each test (the last added first), and a memory logger: a test whose code
 * logged a warning or an error fails.
 */
export function perTestCleanup(): { cleanups: Array<() => Promise<unknown>>; logs: Array<Record<string, unknown>>; log: Logger } {
  const cleanups: Array<() => Promise<unknown>> = [];
  const logs: Array<Record<string, unknown>> = [];
  afterEach(async () => {
    for (const undo of cleanups.splice(0).reverse()) await undo();
    expect(logs.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    logs.length = 0;
  });
  return { cleanups, logs, log: createMemoryLogger(logs) };
}

/** Run `node core` (the built entry, as a user does) and wait until it listens. */
export function startCore(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<RunningCore> {
  const child = spawn(process.execPath, [join(ROOT, 'core'), ...args], { cwd, env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const m = /Aurora listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) {
        clearInterval(check);
        resolve({ child, url: m[1]!, output: () => out, exited });
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(check);
      reject(new Error(`node core exited with ${code} before listening:\n${out}`));
    });
  });
}

/** Run `node core` to completion (for startup failures and --check). */
export function runCore(args: string[], env: Record<string, string | undefined> = {}, cwd = ROOT): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'core'), ...args], { cwd, env: { ...process.env, NODE_ENV: 'production', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}
