/**
 * The audit plugin in a real gateway: what reaches the disk (secrets never, long bodies cut),
 * retention at start, and a shutdown with 1,000 records still queued.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { StartupError } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream } from 'aurora/testing';
import { describe, expect, it } from 'vitest';
import audit from '../plugins/audit/index.ts';
import { createAuditStore } from '../plugins/audit/store/lowdb/lowdb-store.ts';
import { DAY, listFiles, makeRecord, readStoreText, tempDir } from './audit/helpers.ts';
import auth from '../plugins/auth/index.ts';
import deepseek from '../plugins/deepseek/index.ts';
import openai from '../plugins/openai/index.ts';
import { perTestCleanup } from './helpers.ts';

const MASTER = 'aurora-master-key-for-tests';
const UPSTREAM_KEY = 'sk-upstream-test-0123456789abcdef';
const { cleanups, log } = perTestCleanup();

async function setup(auditOptions: Parameters<typeof audit>[0] = {}) {
  const dir = await tempDir();
  const mock: MockUpstream = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER }), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }), audit({ dir: dir.path, ...auditOptions })] });
  let closed = false;
  const close = async () => {
    if (!closed) await gw.close();
    closed = true;
  };
  cleanups.push(dir.remove, () => mock.close(), close);
  const send = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { dir: dir.path, mock, gw, send, close };
}

describe('audit plugin: what is kept', () => {
  it('never writes a key, an Authorization header or a configured pattern to disk', async () => {
    const { dir, send, close } = await setup({ redact: ['acme-[0-9]{6}'] });
    const secrets = {
      openaiKey: 'sk-proj-AbCdEf0123456789GhIjKl',
      bearer: 'tok_9f8e7d6c5b4a39281706',
      custom: 'acme-424242',
      password: 'hunter2-but-longer',
    };
    const prompt = `keys: ${secrets.openaiKey} and curl -H "Authorization: Bearer ${secrets.bearer}" id ${secrets.custom}`;
    const res = await send({ model: 'gpt-4.1-mini', input: prompt, metadata: { password: secrets.password } }, { 'x-api-key': MASTER, cookie: 'session=abc123456789' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(secrets.openaiKey); // the client's answer is not touched: only the audit copy is
    await close();

    const onDisk = await readStoreText(dir);
    expect(onDisk).toContain('[redacted]');
    expect(onDisk).toContain('keys: [redacted] and curl -H');
    expect(onDisk).toContain('Authorization: Bearer [redacted]');
    expect(onDisk).toContain('id [redacted]');
    for (const secret of [...Object.values(secrets), MASTER, UPSTREAM_KEY, 'abc123456789']) expect(onDisk).not.toContain(secret);
  });

  it('cuts a 2 MB body at maxBodyBytes (1 MB) and marks it truncated', async () => {
    const { send, gw } = await setup();
    const input = 'x'.repeat(2 * 1024 * 1024);
    expect((await send({ model: 'gpt-4.1-mini', input })).status).toBe(200);
    const list = async () => (await (await fetch(`${gw.url}/admin/api/v1/requests`, { headers: { authorization: `Bearer ${MASTER}` } })).json()).data;
    await expect.poll(async () => (await list()).length).toBe(1);
    const [summary] = await list();
    const record = await (await fetch(`${gw.url}/admin/api/v1/requests/${summary.id}`, { headers: { authorization: `Bearer ${MASTER}` } })).json();
    for (const part of [record.trail.clientRequest, record.trail.upstreamRequest]) {
      expect(part.body.truncated).toBe(true);
      expect(part.body.bytes).toBeGreaterThan(2 * 1024 * 1024);
      expect(part.body.text.length).toBe(1024 * 1024);
    }
    expect(record.trail.clientResponse.body.truncated).toBe(false);
  });

  it('applies retention at start', async () => {
    const seedDir = await tempDir();
    cleanups.push(seedDir.remove);
    const seed = await createAuditStore({ dir: seedDir.path, log });
    const old = makeRecord({ time: Date.now() - 10 * DAY });
    const recent = makeRecord({ time: Date.now() - DAY });
    await seed.append([old, recent]);
    await seed.close();
    const gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER }), audit({ dir: seedDir.path, retentionDays: 7 })] });
    cleanups.push(() => gw.close());
    const res = await fetch(`${gw.url}/admin/api/v1/requests`, { headers: { authorization: `Bearer ${MASTER}` } });
    expect((await res.json()).data.map((s: { id: string }) => s.id)).toEqual([recent.id]);
    expect(await listFiles(seedDir.path, 'index', '.json')).toHaveLength(1);
  });

  it('refuses a redact pattern that does not compile, at startup', () => {
    expect(() => audit({ redact: ['(unclosed'] })).toThrow(StartupError);
    expect(() => audit({ redact: ['a*'] })).toThrow(/matches the empty string/);
  });
});

describe('audit plugin: outcomes', () => {
  it('a translated stream that fails mid-way is recorded as an error, with the code the client saw', async () => {
    const dir = await tempDir();
    const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
    const gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }), audit({ dir: dir.path })] });
    cleanups.push(dir.remove, () => mock.close(), () => gw.close());
    const send = (body: object) => fetch(`${gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    mock.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'a b c d e', content: 'partial answer' } });
    const broken = await send({ model: 'deepseek-v4-pro', input: 'hi', stream: true });
    const text = await broken.text();
    expect(text).toContain('response.failed');
    const ok = await send({ model: 'deepseek-v4-pro', input: 'Reply with exactly ok', stream: true });
    await ok.text();
    const get = async (id: string) => (await fetch(`${gw.url}/admin/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${MASTER}` } })).json();
    await expect.poll(async () => (await get(ok.headers.get('x-request-id')!)).id).toBeDefined();
    const failed = await get(broken.headers.get('x-request-id')!);
    expect(failed).toMatchObject({ outcome: 'error', status: 200 });
    expect(failed.error.code).toMatch(/^[a-z_]+$/);
    expect((await get(ok.headers.get('x-request-id')!)).outcome).toBe('ok');
  });
});

describe('audit plugin: shutdown', () => {
  it('1,000 records in flight when the gateway closes are all readable after reopening the store', async () => {
    const { dir, send, close } = await setup({ flushIntervalMs: 60_000 });
    const ids = new Set<string>();
    const queue = Array.from({ length: 1000 }, (_, i) => i);
    await Promise.all(Array.from({ length: 32 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const res = await send({ model: 'gpt-4.1-mini', input: `request ${i}` });
        expect(res.status).toBe(200);
        ids.add(res.headers.get('x-request-id')!);
        await res.arrayBuffer();
      }
    }));
    await close();

    const store = await createAuditStore({ dir, log });
    cleanups.push(() => store.close());
    const stored = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await store.query({}, { limit: 300, cursor });
      for (const s of page.data) stored.add(s.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(stored).toEqual(ids);
    const one = await store.get([...ids][500]!);
    expect(one?.trail?.clientResponse.body?.text).toContain('echo: request');
  });

  it('a gateway process stopped with SIGTERM writes every record before it exits', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const root = fileURLToPath(new URL('..', import.meta.url));
    await mkdir(join(root, 'node_modules/.cache'), { recursive: true });
    const script = join(dir.path, 'child.ts');
    // The child runs the TypeScript sources bundled by esbuild (Node 20 cannot run .ts), `aurora` mapped to them.
    await writeFile(script, `
      import { createGateway } from ${JSON.stringify(join(root, 'core/index.ts'))};
      import { startMockUpstream } from ${JSON.stringify(join(root, 'core/testing/index.ts'))};
      import auth from ${JSON.stringify(join(root, 'plugins/auth/index.ts'))};
      import openai from ${JSON.stringify(join(root, 'plugins/openai/index.ts'))};
      import audit from ${JSON.stringify(join(root, 'plugins/audit/index.ts'))};
      const mock = await startMockUpstream({});
      const gateway = await createGateway({ log: { level: 'error' }, plugins: [auth({ masterKey: 'child-master-key' }), openai({ baseUrl: mock.url + '/v1', apiKey: 'k' }), audit({ dir: ${JSON.stringify(join(dir.path, 'audit'))}, flushIntervalMs: 60_000 })] });
      const { url } = await gateway.listen({ port: 0 });
      process.once('SIGTERM', async () => { await gateway.close(); await mock.close(); });
      const ids = [];
      for (let i = 0; i < 200; i++) {
        const res = await fetch(url + '/v1/responses', { method: 'POST', headers: { authorization: 'Bearer child-master-key', 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'child ' + i }) });
        await res.text();
        ids.push(res.headers.get('x-request-id'));
      }
      process.stdout.write(JSON.stringify(ids) + '\\n');
    `);
    // Beside the project's node_modules, so the child resolves the packages the bundle leaves external.
    const bundleDir = await mkdtemp(join(root, 'node_modules/.cache/aurora-audit-test-'));
    cleanups.push(() => rm(bundleDir, { recursive: true, force: true }));
    const bundle = join(bundleDir, 'child.mjs');
    await build({
      entryPoints: [script], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'error',
      alias: { aurora: join(root, 'core/index.ts'), 'aurora/node': join(root, 'core/node.ts'), 'aurora/postgres': join(root, 'core/postgres/index.ts') },
    });
    const child = spawn(process.execPath, [bundle], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    const ids: string[] = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('\n')) resolve(JSON.parse(out));
      });
      child.once('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    // Exits by itself once closed: no timer or handle of the plugin keeps it alive.
    expect(await exited).toBe(0);

    const store = await createAuditStore({ dir: join(dir.path, 'audit'), log });
    cleanups.push(() => store.close());
    const page = await store.query({}, { limit: 500 });
    expect(new Set(page.data.map((s) => s.id))).toEqual(new Set(ids));
  });
});
