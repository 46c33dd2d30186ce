/** `node core keys …` against a real `node core` gateway on the same key folder. */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMockUpstream, type MockUpstream } from 'aurora/testing';
import { MASTER_KEY, SEED, buildIfStale, UPSTREAM_KEY, post, runCore, startCore, tempDir, writeConfig, type RunningCore } from './helpers.ts';

let mock: MockUpstream;
let dir: string;
let config: string;
let core: RunningCore | undefined;

const env = { AURORA_MASTER_KEY: MASTER_KEY };
const keys = (...args: string[]) => runCore(['--config', config, 'keys', ...args], env);

function printedKey(output: string): { key: string; id: string } {
  const key = /\bak_[0-9a-f]+_[A-Za-z0-9_-]+/.exec(output)?.[0];
  const id = /^id:\s+([0-9a-f]+)$/m.exec(output)?.[1];
  if (!key || !id) throw new Error(`no key printed:\n${output}`);
  return { key, id };
}

beforeAll(async () => {
  buildIfStale();
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  dir = await tempDir('aurora-keys-cli-');
  config = await writeConfig(dir, `import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
export default defineConfig({
  server: { port: 0 },
  plugins: [auth({ dir: ${JSON.stringify(join(dir, 'auth'))} }), openai({ baseUrl: '${mock.url}/v1', apiKey: '${UPSTREAM_KEY}', models: ['gpt-*', 'o4-*'] })],
});
`);
});
afterAll(async () => {
  core?.child.kill('SIGKILL');
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('node core keys', () => {
  it('creates a key the gateway accepts, picks up CLI changes while running, and revokes', async () => {
    const created = await keys('create', '--name', 'alice', '--models', 'gpt-*', '--rpm', '60');
    expect(created.code, created.output).toBe(0);
    const alice = printedKey(created.output);
    expect(created.output).toContain('only time');

    core = await startCore(['--config', config], env);
    expect((await post(`${core.url}/v1/responses`, SEED, { key: alice.key })).status).toBe(200);
    expect((await post(`${core.url}/v1/responses`, { ...SEED, model: 'o4-mini' }, { key: alice.key })).status).toBe(403);

    // Created while the gateway runs: works at once, no restart.
    const bob = printedKey((await keys('create', '--name', 'bob', '--tpm', '100000', '--expires', '2099-01-01')).output);
    expect((await post(`${core.url}/v1/responses`, SEED, { key: bob.key })).status).toBe(200);

    const list = await keys('list');
    expect(list.code).toBe(0);
    expect(list.output).toContain(alice.id);
    expect(list.output).toContain(bob.id);
    expect(list.output).not.toContain(alice.key);
    expect(list.output).not.toContain(bob.key);
    const json = JSON.parse((await keys('list', '--json')).output);
    expect(json.data.map((k: { name: string }) => k.name)).toEqual(['alice', 'bob']);
    expect(json.data[1]).toMatchObject({ tpm: 100000, expiresAt: '2099-01-01T00:00:00.000Z', createdBy: 'cli' });

    // The gateway's admin API sees the CLI's keys too.
    const listed = await (await fetch(`${core.url}/admin/api/v1/keys`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    expect(listed.data).toHaveLength(2);

    const revoked = await keys('revoke', alice.id);
    expect(revoked.code, revoked.output).toBe(0);
    expect(revoked.output).toContain(`revoked ${alice.id}`);
    await vi.waitFor(async () => expect((await post(`${core!.url}/v1/responses`, SEED, { key: alice.key })).status).toBe(401), { timeout: 5000, interval: 100 });
    expect((await post(`${core.url}/v1/responses`, SEED, { key: bob.key })).status).toBe(200);

    const file = await readFile(join(dir, 'auth', 'keys.json'), 'utf8');
    expect(file).not.toContain(alice.key);
    expect(file).not.toContain(bob.key);
    // The gateway never logged a managed key.
    expect(core.output()).not.toContain(alice.key);
    expect(core.output()).not.toContain(bob.key);
  });

  it('CLI and gateway writing at the same time lose no key', async () => {
    core ??= await startCore(['--config', config], env);
    const url = core.url;
    const before = JSON.parse((await keys('list', '--json')).output).data.length as number;
    const api = Array.from({ length: 20 }, (_, i) => fetch(`${url}/admin/api/v1/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: `api-${i}` }),
    }).then((r) => r.json() as Promise<{ key: string }>));
    const cli = Array.from({ length: 4 }, (_, i) => keys('create', '--name', `cli-${i}`).then((r) => printedKey(r.output)));
    const made = await Promise.all([...api, ...cli]);
    const listed = JSON.parse((await keys('list', '--json')).output).data as Array<{ name: string }>;
    expect(listed.length).toBe(before + 24);
    const statuses = await Promise.all(made.map(async ({ key }) => (await post(`${url}/v1/responses`, SEED, { key })).status));
    expect(statuses.every((s) => s === 200)).toBe(true);
  });

  it('sets a budget on a running gateway’s key, which then refuses it; list shows the spend', async () => {
    core ??= await startCore(['--config', config], env);
    const carol = printedKey((await keys('create', '--name', 'carol', '--budget-day', '0.5')).output);
    // $0.56 on gpt-4.1-mini: 1,000,000 × $0.40 + 100,000 × $1.60 per million.
    mock.enqueue({ content: 'spent', usage: { prompt_tokens: 1_000_000, prompt_cache_hit_tokens: 0, completion_tokens: 100_000 } });
    expect((await post(`${core.url}/v1/responses`, SEED, { key: carol.key })).status).toBe(200);
    expect((await post(`${core.url}/v1/responses`, SEED, { key: carol.key })).status).toBe(429);
    // The gateway writes spend.json within a second; the CLI reads it.
    await vi.waitFor(async () => expect((await keys('list')).output).toMatch(new RegExp(`${carol.id}\\s+carol\\s+active\\s+\\*\\s+-\\s+-\\s+\\$0\\.56 of \\$0\\.50\\s+\\$0\\.56\\s`)), { timeout: 5000, interval: 200 });
    const updated = await keys('update', carol.id, '--budget-day', '5', '--budget-month', '$20');
    expect(updated.code, updated.output).toBe(0);
    expect(updated.output).toContain(`updated ${carol.id} (carol): models *, rpm -, tpm -, today $0.56 of $5.00, this month $0.56 of $20.00`);
    await vi.waitFor(async () => expect((await post(`${core!.url}/v1/responses`, SEED, { key: carol.key })).status).toBe(200), { timeout: 5000, interval: 100 });
    const json = JSON.parse((await keys('update', carol.id, '--budget-day', 'none', '--json')).output);
    expect(json).toMatchObject({ id: carol.id, budgetDay: null, budgetMonth: 20 });
    expect(json.spend.month).toBeGreaterThan(0.5);
  });

  it('exit codes: 0 for help, 2 for usage errors, 1 for failures', async () => {
    const help = await keys('--help');
    expect(help.code).toBe(0);
    expect(help.output).toContain('Usage: node core');
    expect((await keys()).code).toBe(2);
    const rpm = await keys('create', '--name', 'x', '--rpm', 'lots');
    expect(rpm.code).toBe(2);
    expect(rpm.output).toContain('--rpm');
    const unknown = await keys('revoke', '0123456789ab');
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('0123456789ab');
    const budget = await keys('create', '--name', 'x', '--budget-day', 'plenty');
    expect(budget.code).toBe(2);
    expect(budget.output).toContain('--budget-day');
    expect((await keys('update', '0123456789ab', '--budget-day', '1')).code).toBe(1);
    expect((await keys('update', '0123456789ab')).code).toBe(2); // nothing to change
  });
});
