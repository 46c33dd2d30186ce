/**
 * The responses-store plugin's file store on a real temp dir: the ResponseStore contract (the same
 * suite PostgreSQL runs), then what is the file store's own: a line cut by a crash, retention by
 * day file, and its refusal to be shared by the processes of `node core --workers`.
 */
import { spawn } from 'node:child_process';
import { appendFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGateway } from 'aurora';
import { createMemoryLogger } from 'aurora/testing';
import responsesStore, { openFileResponseStore, type FileResponseStore } from '../plugins/responses-store/index.ts';
import { describeResponseStoreContract, makeResponse } from './responses/store-contract.ts';
import { ROOT, buildIfStale, startCore, tempDir, writePassthroughConfig } from './helpers.ts';

const DAY = 86_400_000;
const dirs: string[] = [];
const stores: FileResponseStore[] = [];

async function cleanup() {
  for (const store of stores.splice(0)) await store.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

async function openIn(dir: string, retentionMs = 30 * DAY, logs: Array<Record<string, unknown>> = []) {
  const store = await openFileResponseStore({ dir, retentionMs, log: createMemoryLogger(logs), flushIntervalMs: 10 });
  stores.push(store);
  return store;
}

describeResponseStoreContract('file', {
  async open({ retentionMs }) {
    const dir = await tempDir('aurora-responses-');
    dirs.push(dir);
    return { store: await openIn(dir, retentionMs), reopen: () => openIn(dir, retentionMs) };
  },
  cleanup,
});

describe('file store', () => {
  it('skips a line a crash cut short, and writes on after it', async () => {
    const dir = await tempDir('aurora-responses-');
    dirs.push(dir);
    const store = await openIn(dir);
    await store.put(makeResponse('resp_whole', 'alice'));
    await store.close();
    const [file] = await readdir(dir);
    await appendFile(join(dir, file!), '{"k":"r","id":"resp_cut","own');
    const logs: Array<Record<string, unknown>> = [];
    const again = await openIn(dir, 30 * DAY, logs);
    expect(logs.map((l) => l.msg)).toEqual([expect.stringMatching(/skipped 1 unreadable line/)]);
    expect((await again.get('resp_whole'))?.id).toBe('resp_whole');
    await again.put(makeResponse('resp_after', 'alice'));
    await again.close();
    const third = await openIn(dir);
    expect((await third.get('resp_after'))?.id).toBe('resp_after');
  });

  it('removes a day’s file once everything in it has expired', async () => {
    const dir = await tempDir('aurora-responses-');
    dirs.push(dir);
    await writeFile(join(dir, '2001-01-01.jsonl'), `${JSON.stringify({ k: 'r', ...makeResponse('resp_ancient', 'alice', { createdAt: Date.UTC(2001, 0, 1), expiresAt: Date.UTC(2001, 0, 31) }) })}\n`);
    const store = await openIn(dir);
    await store.put(makeResponse('resp_today', 'alice'));
    expect(await store.get('resp_ancient')).toBeUndefined();
    await store.sweep(Date.now());
    expect(await readdir(dir)).toEqual([`${new Date().toISOString().slice(0, 10)}.jsonl`]);
    expect((await store.get('resp_today'))?.id).toBe('resp_today');
  });
});

describe('file store under node core --workers', () => {
  const config = (dir: string) => writePassthroughConfig({ url: 'http://127.0.0.1:9' }, {
    imports: "import responsesStore from 'aurora/plugins/responses-store';",
    extra: () => `...responsesStore({ dir: '${dir}' })`,
  });

  it('several workers on one file store: the gateway stops with exit code 1, naming the shared store to use', async () => {
    buildIfStale();
    const dir = await tempDir('aurora-responses-');
    dirs.push(dir);
    const { file, dir: configDir } = await config(join(dir, 'responses'));
    dirs.push(configDir);
    const child = spawn(process.execPath, [join(ROOT, 'core'), '--config', file, '--workers', '2'], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', AURORA_MASTER_KEY: 'test-master-key-0123' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      // The first worker to fail says why and exits; the primary then stops the other and exits 1. Nobody listens.
      expect(await exited).toBe(1);
      expect(output).toContain('responses-store: the file store');
      expect(output).toContain('responsesStore({ store: postgresResponseStore({ url }) })');
      expect(output).not.toMatch(/Aurora listening on/);
    } finally {
      // The primary passes the signal on to its workers.
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    }
  }, 60_000);

  it('one process: it starts', async () => {
    buildIfStale();
    const dir = await tempDir('aurora-responses-');
    dirs.push(dir);
    const { file, dir: configDir } = await config(join(dir, 'responses'));
    dirs.push(configDir);
    const core = await startCore(['--config', file], { AURORA_MASTER_KEY: 'test-master-key-0123' });
    core.child.kill('SIGTERM');
    expect(await core.exited).toBe(0);
  }, 60_000);
});

describe('options', () => {
  it('refuses a retention or a chain depth that is not one, naming the field', async () => {
    await expect(createGateway({ plugins: responsesStore({ retentionDays: 0 }) })).rejects.toThrow(/responses-store[\s\S]*retentionDays/);
    await expect(createGateway({ plugins: responsesStore({ maxChainDepth: 1.5 }) })).rejects.toThrow(/responses-store[\s\S]*maxChainDepth/);
    await expect(createGateway({ plugins: responsesStore({ maxChainDepth: 0 }) })).rejects.toThrow(/responses-store[\s\S]*maxChainDepth/);
  });
});
