import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keyStatus, openKeyStore, toMetadata, type KeyStore } from './keys.ts';

const open: KeyStore[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aurora-keystore-'));
  dirs.push(dir);
  return join(dir, 'auth');
}
async function store(dir: string, watch = false): Promise<KeyStore> {
  const s = await openKeyStore(dir, { watch, pollMs: 50 });
  open.push(s);
  return s;
}

describe('key store', () => {
  it('opening creates nothing; the first write creates the folder and file', async () => {
    const dir = await folder();
    const s = await store(dir);
    expect(s.list()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
    const { key, record } = await s.create({ name: 'a' });
    expect(existsSync(join(dir, 'keys.json'))).toBe(true);
    expect(await s.verify(key)).toBe(record);
    expect(toMetadata(record)).not.toHaveProperty('hash');
  });

  it('two writers (as the CLI and a gateway are) lose nothing when they write at once', async () => {
    const dir = await folder();
    const a = await store(dir);
    const b = await store(dir);
    const made = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).create({ name: `k${i}` })));
    const file = JSON.parse(await readFile(join(dir, 'keys.json'), 'utf8'));
    expect(file.keys).toHaveLength(40);
    await a.refresh();
    await b.refresh();
    expect(a.list()).toHaveLength(40);
    for (const { key } of made) {
      expect(await a.verify(key)).toBeDefined();
      expect(await b.verify(key)).toBeDefined();
    }
    expect(existsSync(join(dir, 'keys.json.lock'))).toBe(false);
  });

  it('an unknown id re-reads the file, so a key another process just made is found', async () => {
    const dir = await folder();
    const gateway = await store(dir);
    const cli = await store(dir);
    const { key } = await cli.create({ name: 'fresh' });
    expect((await gateway.verify(key))?.name).toBe('fresh');
  });

  it('a watching store sees another process revoke a key', async () => {
    const dir = await folder();
    const cli = await store(dir);
    const { key, record } = await cli.create({ name: 'r' });
    const gateway = await store(dir, true);
    expect(keyStatus((await gateway.verify(key))!)).toBe('active');
    await cli.revoke(record.id);
    await vi.waitFor(() => expect(gateway.get(record.id)?.revokedAt).toEqual(expect.any(String)), { timeout: 2000 });
  });

  it('revoking keeps the record, is idempotent, and says undefined for an unknown id', async () => {
    const s = await store(await folder());
    const { record } = await s.create({ name: 'r' });
    const first = await s.revoke(record.id);
    const again = await s.revoke(record.id);
    expect(again?.revokedAt).toBe(first?.revokedAt);
    expect(s.list()).toHaveLength(1);
    expect(await s.revoke('0123456789ab')).toBeUndefined();
  });

  it('a damaged file is never overwritten; keys read before stay usable', async () => {
    const dir = await folder();
    const s = await store(dir);
    const { key } = await s.create({ name: 'kept' });
    await writeFile(join(dir, 'keys.json'), '{"keys": [ broken');
    await s.refresh();
    expect(await s.verify(key)).toBeDefined();
    await expect(s.create({ name: 'x' })).rejects.toThrow();
    expect(await readFile(join(dir, 'keys.json'), 'utf8')).toBe('{"keys": [ broken');
  });

  it('takes over a lock left by a process that died', async () => {
    const dir = await folder();
    const s = await store(dir);
    await s.create({ name: 'first' });
    const lock = join(dir, 'keys.json.lock');
    await writeFile(lock, '99999');
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    await s.create({ name: 'second' });
    expect(s.list()).toHaveLength(2);
    expect(existsSync(lock)).toBe(false);
  });

  it('status: active, expired, revoked', () => {
    const base = { id: 'a', name: 'a', hash: '', createdAt: '', createdBy: 'cli', models: null, rpm: null, tpm: null, admin: false };
    expect(keyStatus({ ...base, expiresAt: null, revokedAt: null })).toBe('active');
    expect(keyStatus({ ...base, expiresAt: new Date(Date.now() - 1).toISOString(), revokedAt: null })).toBe('expired');
    expect(keyStatus({ ...base, expiresAt: null, revokedAt: new Date().toISOString() })).toBe('revoked');
  });
});
