import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKeysCommand } from './cli.ts';
import { openFileSpendLedger } from './spend-file.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aurora-keys-cmd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...args: string[]) {
  let out = '';
  let err = '';
  const code = await runKeysCommand(args, { dir, out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

describe('keys command', () => {
  it('usage errors exit 2 with the usage on stderr', async () => {
    const cases = [[], ['nope'], ['create'], ['create', '--name', ''], ['create', '--name', 'x', '--rpm', '0'], ['create', '--name', 'x', '--tpm', 'many'],
      ['create', '--name', 'x', '--expires', '2001-01-01'], ['create', '--name', 'x', '--models', ''], ['create', '--name', 'x', '--unknown'], ['create', '--name', 'x', 'extra'],
      ['list', '--rpm', '3'], ['revoke'], ['revoke', 'a', 'b']];
    for (const args of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toContain('Usage: node core');
    }
    expect((await run('create', '--name', 'x', '--expires', 'soon')).err).toContain('--expires');
  });

  it('--help exits 0 on stdout', async () => {
    const r = await run('--help');
    expect(r.code).toBe(0);
    expect(r.out).toContain('create --name');
  });

  it('create prints id and key on stdout (once), list shows metadata, revoke revokes', async () => {
    const created = await run('create', '--name', 'alice', '--models', 'deepseek-*,gpt-4.1', '--models', 'o4-*', '--rpm', '60', '--tpm', '1000', '--expires', '2099-06-01', '--admin');
    expect(created.code).toBe(0);
    const id = /^id:\s+(\w+)$/m.exec(created.out)![1]!;
    const key = /^key: (ak_\S+)$/m.exec(created.out)![1]!;
    expect(key.startsWith(`ak_${id}_`)).toBe(true);
    expect(created.err).toContain('only time');

    const list = await run('list', '--json');
    expect(JSON.parse(list.out).data).toEqual([expect.objectContaining({ id, name: 'alice', models: ['deepseek-*', 'gpt-4.1', 'o4-*'], rpm: 60, tpm: 1000, admin: true, expiresAt: '2099-06-01T00:00:00.000Z', status: 'active' })]);
    const table = await run('list');
    expect(table.out).toMatch(/^ID\s+NAME\s+STATUS/);
    expect(table.out).toContain(id);
    expect(table.out + list.out).not.toContain(key.slice(16));

    expect((await run('revoke', id)).out).toBe(`revoked ${id} (alice)\n`);
    expect((await run('list')).out).toContain('revoked');
    const missing = await run('revoke', '0123456789ab');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no key with id "0123456789ab"');
  });

  it('create and update set budgets; list shows each key’s spend against them', async () => {
    const created = await run('create', '--name', 'capped', '--budget-day', '2.5', '--budget-month', '$40', '--json');
    expect(created.code, created.err).toBe(0);
    const { id } = JSON.parse(created.out);
    // What the gateway counted (spend.json, written by its ledger).
    const ledger = await openFileSpendLedger(dir, { flushMs: 0 });
    ledger.add(id, 3.125);
    await ledger.close();
    const listed = JSON.parse((await run('list', '--json')).out).data.find((k: { id: string }) => k.id === id);
    expect(listed).toMatchObject({ budgetDay: 2.5, budgetMonth: 40, spend: { day: 3.125, month: 3.125 } });
    expect((await run('list')).out).toMatch(new RegExp(`${id}\\s+capped\\s+active\\s+\\*\\s+-\\s+-\\s+\\$3\\.13 of \\$2\\.50\\s+\\$3\\.13 of \\$40\\.00`));
    const updated = await run('update', id, '--budget-day', 'none', '--rpm', '10', '--models', 'gpt-*');
    expect(updated.out).toBe(`updated ${id} (capped): models gpt-*, rpm 10, tpm -, today $3.13, this month $3.13 of $40.00, expires -\n`);
    for (const args of [['update', id, '--budget-month', '0'], ['update', id, '--budget-month', 'much'], ['update', id], ['update'], ['create', '--name', 'y', '--budget-day', '-1']]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(2);
    }
    expect((await run('update', 'ffffffffffff', '--rpm', '1')).code).toBe(1);
  });

  it('create --json prints the key with its metadata', async () => {
    const r = await run('create', '--name', 'bot', '--json');
    const body = JSON.parse(r.out);
    expect(body).toMatchObject({ key: expect.stringMatching(/^ak_/), name: 'bot', admin: false, models: null, createdBy: 'cli' });
    expect(body).not.toHaveProperty('hash');
  });
});
