/**
 * The managed-key store: `<dir>/keys.json` through lowdb (`Low` + `JSONFile`, whose steno writer
 * replaces the file atomically: temp file, then rename). Two processes write it — the gateway (admin
 * API) and `node core keys` (CLI) — so every write takes a lock file, re-reads, changes, writes, all
 * inside one promise chain per process. Reads serve from memory; the gateway notices other writers
 * through fs.watch, a once-a-second stat, and a stat whenever an unknown key id is presented.
 */
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import type { Logger } from 'aurora';
import { fileStamp } from './file-stamp.ts';
import { withFileLock } from './lock.ts';
import { generateKey, generateKeyId, hashSecret, parseManagedKey, secretMatches } from './secret.ts';

export interface KeyRecord {
  id: string;
  name: string;
  /** Hex SHA-256 of the key's secret part; the key itself is never stored. */
  hash: string;
  /** ISO 8601. */
  createdAt: string;
  /** Principal id that created it, or `cli`. */
  createdBy: string;
  expiresAt: string | null;
  /** Model globs the key may use; null: every model. */
  models: string[] | null;
  /** Requests per minute; null: unlimited. */
  rpm: number | null;
  /** Tokens per minute; null: unlimited. */
  tpm: number | null;
  /** USD the key may spend per UTC day; null (or absent, in a file written before budgets): no limit. */
  budgetDay?: number | null;
  /** USD the key may spend per UTC month; null (or absent): no limit. */
  budgetMonth?: number | null;
  admin: boolean;
  revokedAt: string | null;
}

export type KeyStatus = 'active' | 'expired' | 'revoked';

/** A record as the admin API and CLI show it: never the hash; budgets always present (null: none). */
export type KeyMetadata = Omit<KeyRecord, 'hash' | 'budgetDay' | 'budgetMonth'> & { budgetDay: number | null; budgetMonth: number | null; status: KeyStatus };

export interface NewKey {
  name: string;
  models?: string[] | null;
  rpm?: number | null;
  tpm?: number | null;
  budgetDay?: number | null;
  budgetMonth?: number | null;
  expiresAt?: string | null;
  admin?: boolean;
  createdBy?: string;
}

/** What `update` may change; a field left out stays as it is, null removes a limit. */
export type KeyChanges = Partial<Pick<KeyRecord, 'name' | 'models' | 'rpm' | 'tpm' | 'budgetDay' | 'budgetMonth' | 'expiresAt' | 'admin'>>;

interface KeyFile {
  version: 1;
  keys: KeyRecord[];
}

export interface KeyStore {
  readonly file: string;
  /** Adds a key; `key` is returned this once and kept nowhere. */
  create(input: NewKey): Promise<{ key: string; record: KeyRecord }>;
  /** Sets `revokedAt` (kept if already set); undefined when no key has that id. */
  revoke(id: string): Promise<KeyRecord | undefined>;
  /** Changes a key's name, limits, budgets, models, expiry or admin flag; undefined when no key has that id. */
  update(id: string, changes: KeyChanges): Promise<KeyRecord | undefined>;
  get(id: string): KeyRecord | undefined;
  list(): KeyRecord[];
  /** The record whose key this is, or undefined (malformed, unknown id, wrong secret). Status is not checked. */
  verify(presented: string): Promise<KeyRecord | undefined>;
  /** Re-read the file if another process replaced it since we last saw it. */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export interface KeyStoreOptions {
  /** Follow changes made by other processes (fs.watch + a periodic stat). */
  watch?: boolean;
  log?: Logger;
  /** How often the stat check runs when watching. Default 1000 ms. */
  pollMs?: number;
}

export const KEY_FILE = 'keys.json';

export function keyStatus(record: KeyRecord, now = Date.now()): KeyStatus {
  if (record.revokedAt) return 'revoked';
  if (record.expiresAt && Date.parse(record.expiresAt) <= now) return 'expired';
  return 'active';
}

export function toMetadata(record: KeyRecord, now = Date.now()): KeyMetadata {
  const { hash: _hash, budgetDay, budgetMonth, ...rest } = record;
  return { ...rest, budgetDay: budgetDay ?? null, budgetMonth: budgetMonth ?? null, status: keyStatus(record, now) };
}

export async function openKeyStore(dir: string, options: KeyStoreOptions = {}): Promise<KeyStore> {
  const file = join(dir, KEY_FILE);
  const lockFile = join(dir, `${KEY_FILE}.lock`);
  const db = new Low<KeyFile>(new JSONFile<KeyFile>(file), emptyFile());
  let byId = new Map<string, KeyRecord>();
  // Identity of the file version in memory: a steno write is a rename, so the inode changes each time.
  let seen = '';
  let chain: Promise<unknown> = Promise.resolve();
  let queuedRefresh: Promise<void> | undefined;
  let closed = false;
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let debounce: NodeJS.Timeout | undefined;

  /** Run after everything queued before, reads and writes alike: no read ever interleaves a write. */
  function serial<T>(task: () => Promise<T>): Promise<T> {
    const run = chain.then(task);
    chain = run.catch(() => undefined);
    return run;
  }

  async function readFile(): Promise<KeyFile> {
    // Through the adapter, not db.read(): Low.read() keeps the old data when the file is gone.
    const data = (await db.adapter.read()) ?? emptyFile();
    if (typeof data !== 'object' || !Array.isArray(data.keys)) throw new Error(`${file} is not an Aurora key file (no "keys" array)`);
    db.data = data;
    return data;
  }

  function remember(data: KeyFile, stamp: string) {
    // A hand-edited record without an id or hash can match nothing: leave it in the file, out of the map.
    byId = new Map(data.keys.filter(isKeyRecord).map((k) => [k.id, k]));
    seen = stamp;
  }

  async function load(): Promise<void> {
    const stamp = await fileStamp(file);
    if (stamp === seen) return;
    try {
      remember(await readFile(), stamp);
    } catch (err) {
      // Keep serving the keys we know rather than locking everyone out over a damaged file.
      options.log?.error('auth: could not read the key file; keeping the keys loaded before', { file, err });
      seen = stamp;
    }
  }

  function refresh(): Promise<void> {
    // Callers that arrive before a queued refresh starts share it; later ones queue a new one.
    queuedRefresh ??= serial(async () => {
      queuedRefresh = undefined;
      await load();
    });
    return queuedRefresh;
  }

  function mutate<T>(change: (data: KeyFile) => T): Promise<T> {
    return serial(async () => {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      return withFileLock(lockFile, async () => {
        // Re-read under the lock: another process may have written since our last look.
        const data = await readFile();
        const result = change(data);
        await db.write();
        remember(data, await fileStamp(file));
        return result;
      });
    });
  }

  function startWatching() {
    if (watcher || closed) return;
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name && name !== KEY_FILE) return;
        clearTimeout(debounce);
        debounce = setTimeout(() => void refresh(), 20);
        debounce.unref();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      // No folder yet (or a filesystem without watch support): the periodic stat covers it.
    }
  }

  await serial(load);
  if (options.watch) {
    startWatching();
    poll = setInterval(() => {
      startWatching();
      void refresh();
    }, options.pollMs ?? 1000);
    poll.unref();
  }

  return {
    file,
    create(input) {
      return mutate((data) => {
        let id = generateKeyId();
        while (data.keys.some((k) => k?.id === id)) id = generateKeyId();
        const { key, secret } = generateKey(id);
        const record: KeyRecord = {
          id,
          name: input.name,
          hash: hashSecret(secret),
          createdAt: new Date().toISOString(),
          createdBy: input.createdBy ?? 'cli',
          expiresAt: input.expiresAt ?? null,
          models: input.models ?? null,
          rpm: input.rpm ?? null,
          tpm: input.tpm ?? null,
          budgetDay: input.budgetDay ?? null,
          budgetMonth: input.budgetMonth ?? null,
          admin: input.admin ?? false,
          revokedAt: null,
        };
        data.keys.push(record);
        return { key, record };
      });
    },
    update(id, changes) {
      return mutate((data) => {
        const record = data.keys.find((k) => isKeyRecord(k) && k.id === id);
        if (record) Object.assign(record, changes);
        return record;
      });
    },
    revoke(id) {
      return mutate((data) => {
        const record = data.keys.find((k) => isKeyRecord(k) && k.id === id);
        if (record) record.revokedAt ??= new Date().toISOString();
        return record;
      });
    },
    get: (id) => byId.get(id),
    list: () => [...byId.values()],
    async verify(presented) {
      const parsed = parseManagedKey(presented);
      if (!parsed) return undefined;
      let record = byId.get(parsed.id);
      if (!record) {
        // Perhaps the CLI created it a moment ago: one stat, and a read only if the file changed.
        await refresh();
        record = byId.get(parsed.id);
      }
      return record && secretMatches(parsed.secret, record.hash) ? record : undefined;
    },
    refresh,
    async close() {
      closed = true;
      clearInterval(poll);
      clearTimeout(debounce);
      watcher?.close();
      watcher = undefined;
      await chain;
    },
  };
}

function isKeyRecord(value: unknown): value is KeyRecord {
  const r = value as Partial<KeyRecord> | null;
  return typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.hash === 'string' && typeof r.name === 'string';
}

function emptyFile(): KeyFile {
  return { version: 1, keys: [] };
}
