/**
 * The spend ledger of the file store: `<dir>/spend.json`, beside `keys.json`. Each process counts
 * what its requests cost in memory and, every `flushMs` (1 s) and on close, adds it to the file
 * under `spend.json.lock` (read, add, write atomically), then takes the file's totals — so the
 * workers of `node core --workers N`, and the CLI, see every process's spend within a flush, and
 * a restart starts from the file. What a process counted in its last second before it died
 * unflushed (SIGKILL, a crash) is lost; a clean stop writes it.
 *
 *   { "version": 1, "keys": { "<id>": { "day": "2026-12-04", "dayUsd": 1.23, "month": "2026-12", "monthUsd": 4.56 } } }
 *
 * One entry per key, for its current UTC day and month: spend of an earlier period is replaced by
 * the new period's, and spend arriving late for a period already over is dropped.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'aurora';
import { JSONFile } from 'lowdb/node';
import { fileStamp } from './file-stamp.ts';
import { withFileLock } from './lock.ts';
import { NO_SPEND, utcDay, utcMonth, type Spent, type SpendLedger } from './spend.ts';

export const SPEND_FILE = 'spend.json';

interface Entry {
  day: string;
  dayUsd: number;
  month: string;
  monthUsd: number;
}

interface SpendFile {
  version: 1;
  keys: Record<string, Entry>;
}

export interface FileSpendOptions {
  log?: Logger;
  /** How often counted spend is written and the others' read. Default 1000 ms; 0: only on close (the CLI reads once). */
  flushMs?: number;
  /** Epoch ms (tests). */
  now?: () => number;
}

/** In memory, so answered at once; `flush` writes what was counted and reads the others'. */
export interface FileSpendLedger extends SpendLedger {
  spent(id: string): Spent;
  spentAll(): Map<string, Spent>;
  add(id: string, usd: number): void;
  flush(): Promise<void>;
}

export async function openFileSpendLedger(dir: string, options: FileSpendOptions = {}): Promise<FileSpendLedger> {
  const file = join(dir, SPEND_FILE);
  const lockFile = `${file}.lock`;
  const adapter = new JSONFile<SpendFile>(file);
  const now = options.now ?? Date.now;
  // The file's totals as last read, plus what this process counted since.
  let totals = new Map<string, Entry>();
  // What this process counted and has not written yet.
  let unwritten = new Map<string, Entry>();
  let seen = '';
  let chain: Promise<unknown> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;

  async function read(): Promise<Map<string, Entry>> {
    const data = await adapter.read();
    if (data === null) return new Map();
    if (typeof data !== 'object' || typeof data.keys !== 'object' || data.keys === null) throw new Error(`${file} is not an Aurora spend file (no "keys" object)`);
    return new Map(Object.entries(data.keys).filter(([, e]) => isEntry(e)));
  }

  /** Write what was counted (added to the file's totals under the lock), and take the file's totals. */
  function sync(): Promise<void> {
    const run = chain.then(async () => {
      const stamp = await fileStamp(file);
      if (unwritten.size === 0) {
        if (stamp === seen) return;
        totals = await read();
        seen = stamp;
        // Counted while the file was read: not in its totals.
        for (const [id, entry] of unwritten) totals.set(id, merge(totals.get(id), entry));
        return;
      }
      const writing = unwritten;
      unwritten = new Map();
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        await withFileLock(lockFile, async () => {
          const onDisk = await read();
          for (const [id, entry] of writing) onDisk.set(id, merge(onDisk.get(id), entry));
          await adapter.write({ version: 1, keys: Object.fromEntries(onDisk) });
          totals = onDisk;
          seen = await fileStamp(file);
        });
      } catch (err) {
        // Keep it for the next try rather than lose it.
        for (const [id, entry] of writing) unwritten.set(id, merge(unwritten.get(id), entry));
        throw err;
      }
      // Counted while the file was being written: not in the totals just read.
      for (const [id, entry] of unwritten) totals.set(id, merge(totals.get(id), entry));
    });
    chain = run.catch(() => undefined);
    return run;
  }

  totals = await read();
  seen = await fileStamp(file);
  const flushMs = options.flushMs ?? 1000;
  if (flushMs > 0) {
    timer = setInterval(() => void sync().catch((err) => options.log?.error('auth: could not write the spend file; keeping the spend in memory and trying again', { file, err })), flushMs);
    timer.unref();
  }

  const current = (entry: Entry | undefined, at: number): Spent => {
    if (!entry) return NO_SPEND;
    return { day: entry.day === utcDay(at) ? entry.dayUsd : 0, month: entry.month === utcMonth(at) ? entry.monthUsd : 0 };
  };

  return {
    spent: (id) => current(totals.get(id), now()),
    spentAll() {
      const at = now();
      const all = new Map<string, Spent>();
      for (const [id, entry] of totals) {
        const spent = current(entry, at);
        if (spent.day > 0 || spent.month > 0) all.set(id, spent);
      }
      return all;
    },
    add(id, usd) {
      if (!(usd > 0) || !Number.isFinite(usd)) return;
      const at = now();
      const entry: Entry = { day: utcDay(at), dayUsd: usd, month: utcMonth(at), monthUsd: usd };
      totals.set(id, merge(totals.get(id), entry));
      unwritten.set(id, merge(unwritten.get(id), entry));
    },
    flush: sync,
    async close() {
      clearInterval(timer);
      await sync();
    },
  };
}

/** `add` counted into `into`, period by period: the later period wins, the same one adds up. */
function merge(into: Entry | undefined, add: Entry): Entry {
  if (!into) return { ...add };
  const out = { ...into };
  if (add.day > out.day) [out.day, out.dayUsd] = [add.day, add.dayUsd];
  else if (add.day === out.day) out.dayUsd += add.dayUsd;
  if (add.month > out.month) [out.month, out.monthUsd] = [add.month, add.monthUsd];
  else if (add.month === out.month) out.monthUsd += add.monthUsd;
  return out;
}

function isEntry(value: unknown): value is Entry {
  const e = value as Partial<Entry> | null;
  return typeof e === 'object' && e !== null && typeof e.day === 'string' && typeof e.month === 'string' && Number.isFinite(e.dayUsd) && Number.isFinite(e.monthUsd);
}
