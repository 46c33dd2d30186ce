import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from 'aurora/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { openFileSpendLedger, SPEND_FILE } from './spend-file.ts';
import { BudgetExceededError, formatUsd, overrun } from './spend.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aurora-spend-'));
  dirs.push(dir);
  return dir;
}

describe('budgets', () => {
  const now = Date.UTC(2026, 11, 31, 22, 30);

  it('refuses at or over a limit, naming the month when both are spent (the day would not help)', () => {
    expect(overrun({ day: 5, month: null }, { day: 4.99, month: 4.99 }, now)).toBeUndefined();
    expect(overrun({ day: 5, month: null }, { day: 5, month: 5 }, now)).toEqual({ period: 'day', limit: 5, spent: 5, resetsAt: Date.UTC(2027, 0, 1) });
    expect(overrun({ day: 5, month: 100 }, { day: 6, month: 100.5 }, now)).toEqual({ period: 'month', limit: 100, spent: 100.5, resetsAt: Date.UTC(2027, 0, 1) });
    expect(overrun({ day: null, month: 100 }, { day: 0, month: 100 }, Date.UTC(2027, 1, 28, 23, 59))?.resetsAt).toBe(Date.UTC(2027, 2, 1));
    expect(overrun({ day: null, month: null }, { day: 1e9, month: 1e9 }, now)).toBeUndefined();
  });

  it('is a 429 budget_exceeded the Codex CLI shows with its reset time, and SDKs do not retry', () => {
    const err = new BudgetExceededError('This API key (0123456789ab)', { period: 'day', limit: 5, spent: 5.0312, resetsAt: Date.UTC(2027, 0, 1) });
    expect(err.status).toBe(429);
    expect(err.headers).toEqual({ 'x-should-retry': 'false' });
    expect(err.toJSON()).toEqual({
      error: {
        message: 'This API key (0123456789ab) has spent $5.03 of its daily budget of $5.00 (UTC day); it resets at 2027-01-01T00:00:00.000Z.',
        type: 'usage_limit_reached',
        param: null,
        code: 'budget_exceeded',
        resets_at: Date.UTC(2027, 0, 1) / 1000,
      },
    });
    expect(formatUsd(0.0042)).toBe('$0.0042');
    expect(formatUsd(12)).toBe('$12.00');
  });
});

describe('spend ledger in spend.json', () => {
  it('counts per UTC day and month, and keeps the month across midnight', async () => {
    const dir = await tempDir();
    let now = Date.UTC(2026, 11, 30, 23, 59);
    const ledger = await openFileSpendLedger(dir, { now: () => now, flushMs: 0 });
    ledger.add('k', 1.5);
    ledger.add('k', 0.25);
    ledger.add('k', 0); // costs nothing: no entry
    ledger.add('other', 0);
    expect(ledger.spent('k')).toEqual({ day: 1.75, month: 1.75 });
    now = Date.UTC(2026, 11, 31, 0, 0, 1);
    expect(ledger.spent('k')).toEqual({ day: 0, month: 1.75 });
    ledger.add('k', 1);
    expect(ledger.spent('k')).toEqual({ day: 1, month: 2.75 });
    now = Date.UTC(2027, 0, 1, 0, 0, 1);
    expect(ledger.spent('k')).toEqual({ day: 0, month: 0 });
    expect([...(await ledger.spentAll()).keys()]).toEqual([]);
    await ledger.close();
  });

  it('survives a restart: what was counted is in the file once the ledger closes', async () => {
    const dir = await tempDir();
    const first = await openFileSpendLedger(dir, { flushMs: 0 });
    first.add('k', 3.5);
    await first.close();
    const file = JSON.parse(await readFile(join(dir, SPEND_FILE), 'utf8'));
    expect(file.keys.k).toMatchObject({ dayUsd: 3.5, monthUsd: 3.5 });
    const again = await openFileSpendLedger(dir, { flushMs: 0 });
    expect(again.spent('k')).toEqual({ day: 3.5, month: 3.5 });
    await again.close();
  });

  it('adds up what several processes count on one file (workers), each seeing the total after a flush', async () => {
    const dir = await tempDir();
    const [a, b] = [await openFileSpendLedger(dir, { flushMs: 0 }), await openFileSpendLedger(dir, { flushMs: 0 })];
    a.add('k', 1);
    b.add('k', 2);
    await Promise.all([a.flush(), b.flush()]);
    // The one that wrote first reads the other's at its next flush.
    await Promise.all([a.flush(), b.flush()]);
    expect(a.spent('k').day).toBe(3);
    expect(b.spent('k').day).toBe(3);
    b.add('k', 0.5);
    expect(b.spent('k').day).toBe(3.5); // its own count at once, the others' at the next flush
    await Promise.all([a.close(), b.close()]);
  });

  it('keeps counting in memory when the file cannot be read, and says so', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, SPEND_FILE), '{"not":"a spend file"}');
    await expect(openFileSpendLedger(dir, { flushMs: 0 })).rejects.toThrow(/not an Aurora spend file/);
    await writeFile(join(dir, SPEND_FILE), '{"version":1,"keys":{}}');
    const logs: Array<Record<string, unknown>> = [];
    const ledger = await openFileSpendLedger(dir, { flushMs: 0, log: createMemoryLogger(logs) });
    await writeFile(join(dir, SPEND_FILE), 'garbage');
    ledger.add('k', 1);
    await expect(ledger.flush()).rejects.toThrow();
    expect(ledger.spent('k').day).toBe(1);
    await writeFile(join(dir, SPEND_FILE), '{"version":1,"keys":{}}');
    await ledger.close(); // the retry writes what the failed flush kept
    expect(JSON.parse(await readFile(join(dir, SPEND_FILE), 'utf8')).keys.k.dayUsd).toBe(1);
  });
});
