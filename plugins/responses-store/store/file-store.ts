/**
 * The responses store in files, for one gateway process: an append-only log per UTC day
 * (`<dir>/YYYY-MM-DD.jsonl`) and an index in memory. A response is one line, each item it
 * introduces another (so `item_reference` reads one item, not the response around it), a deletion
 * or a passthrough owner one more. The index holds where each line is, never the bodies: a chain or
 * an item is a positioned read. Writes go to positions taken in call order (not the file's append
 * mode, which would place concurrent writes in completion order), and the index learns a line only
 * once it is written, so whatever the index finds is on disk. At start the logs are read back;
 * a day's file goes whole once every response in it has expired.
 */
import { mkdir, open, readdir, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { JsonObject, Logger } from 'aurora';
import type { ChainResult, ResponseHolder, ResponseOwner, ResponseStore, StoredResponse } from './response-store.ts';

export interface FileResponseStoreOptions {
  dir: string;
  /** How long a response is kept (ms): a day's file is removed once all it holds is older. */
  retentionMs: number;
  log: Logger;
  /** Passthrough owner records kept in memory (the oldest go first). Default 100,000. */
  maxOwners?: number;
  /** Longest an owner record waits before it is written (ms). Default 200. */
  flushIntervalMs?: number;
}

interface Loc {
  day: string;
  offset: number;
  length: number;
}

interface Entry {
  owner: string;
  provider: string;
  previousId: string | null;
  depth: number;
  expiresAt: number;
  loc: Loc;
  /** Index keys of the items this response introduced (deleted with it). */
  items: string[];
}

interface DayFile {
  handle: FileHandle;
  size: number;
}

type Line =
  | ({ k: 'r' } & StoredResponse)
  | { k: 'i'; owner: string; id: string; response: string; item: JsonObject }
  | { k: 'd'; id: string }
  | ({ k: 'o' } & ResponseOwner);

const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 86_400_000;

export async function openFileResponseStore(options: FileResponseStoreOptions): Promise<FileResponseStore> {
  await mkdir(options.dir, { recursive: true });
  const store = new FileResponseStore(options);
  await store.load();
  return store;
}

const itemKey = (owner: string, id: string) => `${owner}\u0000${id}`;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export class FileResponseStore implements ResponseStore {
  private readonly responses = new Map<string, Entry>();
  private readonly itemIndex = new Map<string, { responseId: string; loc: Loc }>();
  private readonly owners = new Map<string, ResponseOwner>();
  /** While loading: items read whose response line comes next. */
  private readonly pendingItems = new Map<string, string[]>();
  private readonly files = new Map<string, Promise<DayFile>>();
  private readonly maxOwners: number;
  private pendingOwners: string[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: FileResponseStoreOptions) {
    this.maxOwners = options.maxOwners ?? 100_000;
  }

  async put(response: StoredResponse): Promise<void> {
    const lines: Array<{ text: string; key?: string; item?: true }> = [];
    const introduced = new Set<string>();
    for (const item of [...response.input, ...(Array.isArray(response.response.output) ? response.response.output : [])]) {
      const id = item?.id;
      if (typeof id !== 'string' || id === '') continue;
      const key = itemKey(response.owner, id);
      if (this.itemIndex.has(key) || introduced.has(key)) continue;
      introduced.add(key);
      lines.push({ text: JSON.stringify({ k: 'i', owner: response.owner, id, response: response.id, item }), key, item: true });
    }
    lines.push({ text: JSON.stringify({ k: 'r', ...response }) });
    const locs = await this.append(dayOf(response.createdAt), lines.map((l) => l.text));
    const entry: Entry = { owner: response.owner, provider: response.provider, previousId: response.previousId, depth: response.depth, expiresAt: response.expiresAt, loc: locs.at(-1)!, items: [] };
    lines.forEach((line, i) => {
      if (!line.key || this.itemIndex.has(line.key)) return;
      this.itemIndex.set(line.key, { responseId: response.id, loc: locs[i]! });
      entry.items.push(line.key);
    });
    this.responses.set(response.id, entry);
  }

  async get(id: string): Promise<StoredResponse | undefined> {
    const entry = this.live(id);
    return entry ? this.readResponse(entry.loc) : undefined;
  }

  async chain(id: string, limit: number): Promise<ChainResult> {
    // The links are in the index: walk them there, then read every response at once.
    const entries: Entry[] = [];
    let missing: string | undefined;
    let next: string | null = id;
    while (next !== null && entries.length < limit) {
      const entry = this.live(next);
      if (!entry) {
        missing = next;
        break;
      }
      entries.push(entry);
      next = entry.previousId;
    }
    if (missing === undefined && next !== null) missing = next;
    const responses = await Promise.all(entries.reverse().map((e) => this.readResponse(e.loc)));
    return missing === undefined ? { responses } : { responses, missing };
  }

  async items(owner: string, ids: readonly string[]): Promise<Map<string, JsonObject>> {
    const found = new Map<string, JsonObject>();
    await Promise.all([...new Set(ids)].map(async (id) => {
      const indexed = this.itemIndex.get(itemKey(owner, id));
      if (!indexed || !this.live(indexed.responseId)) return;
      const line = (await this.read(indexed.loc)) as Extract<Line, { k: 'i' }>;
      found.set(id, line.item);
    }));
    return found;
  }

  async delete(id: string, owner: string): Promise<boolean> {
    const entry = this.live(id);
    if (!entry || entry.owner !== owner) return false;
    await this.append(dayOf(Date.now()), [JSON.stringify({ k: 'd', id })]);
    this.forget(id);
    return true;
  }

  async holder(id: string): Promise<ResponseHolder | undefined> {
    const entry = this.live(id);
    if (entry) return { kind: 'stored', owner: entry.owner, provider: entry.provider };
    const owner = this.owners.get(id);
    if (owner && owner.expiresAt > Date.now()) return { kind: 'passthrough', owner: owner.owner, provider: owner.provider };
    return undefined;
  }

  recordOwner(owner: ResponseOwner): void {
    if (this.closed || this.owners.has(owner.id)) return;
    this.remember(owner);
    this.pendingOwners.push(JSON.stringify({ k: 'o', ...owner }));
    this.flushTimer ??= setTimeout(() => void this.flushOwners(), this.options.flushIntervalMs ?? 200).unref();
  }

  async sweep(now: number): Promise<number> {
    let removed = 0;
    for (const [id, entry] of this.responses) {
      if (entry.expiresAt <= now) {
        this.forget(id);
        removed++;
      }
    }
    for (const [id, owner] of this.owners) {
      if (owner.expiresAt <= now) {
        this.owners.delete(id);
        removed++;
      }
    }
    // A day's file holds lines written that day: once the newest of them has expired, it all has.
    const cutoff = dayOf(now - this.options.retentionMs - DAY_MS);
    for (const name of await readdir(this.options.dir)) {
      const day = DAY_FILE.exec(name)?.[1];
      if (!day || day >= cutoff) continue;
      const file = this.files.get(day);
      this.files.delete(day);
      if (file) await (await file).handle.close();
      await rm(join(this.options.dir, name), { force: true });
    }
    return removed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flushOwners();
    this.closed = true;
    clearTimeout(this.flushTimer);
    await this.flushing;
    for (const file of this.files.values()) await (await file).handle.close();
    this.files.clear();
  }

  /** Reads every day's log back into the index, oldest first; lines cut by a crash are skipped. */
  async load(): Promise<void> {
    const now = Date.now();
    const days = (await readdir(this.options.dir)).map((n) => DAY_FILE.exec(n)?.[1]).filter((d): d is string => d !== undefined).sort();
    for (const day of days) {
      const file = await this.file(day);
      let skipped = 0;
      await scanLines(file.handle, file.size, (text, offset, length) => {
        let line: Line;
        try {
          line = JSON.parse(text) as Line;
        } catch {
          skipped++;
          return;
        }
        this.apply(line, { day, offset, length }, now);
      });
      if (skipped) this.options.log.warn(`responses-store: skipped ${skipped} unreadable line(s) in ${join(this.options.dir, `${day}.jsonl`)} (a write cut short)`);
    }
  }

  private apply(line: Line, loc: Loc, now: number): void {
    switch (line.k) {
      case 'r':
        if (line.expiresAt <= now) return;
        this.responses.set(line.id, { owner: line.owner, provider: line.provider, previousId: line.previousId, depth: line.depth, expiresAt: line.expiresAt, loc, items: this.pendingItems.get(line.id) ?? [] });
        this.pendingItems.delete(line.id);
        return;
      case 'i': {
        const key = itemKey(line.owner, line.id);
        if (this.itemIndex.has(key)) return;
        this.itemIndex.set(key, { responseId: line.response, loc });
        // Item lines come before their response's line.
        const list = this.pendingItems.get(line.response) ?? [];
        list.push(key);
        this.pendingItems.set(line.response, list);
        return;
      }
      case 'd':
        this.forget(line.id);
        return;
      case 'o':
        if (line.expiresAt > now) this.remember({ id: line.id, owner: line.owner, provider: line.provider, expiresAt: line.expiresAt });
        return;
    }
  }

  private live(id: string): Entry | undefined {
    const entry = this.responses.get(id);
    return entry && entry.expiresAt > Date.now() ? entry : undefined;
  }

  private forget(id: string): void {
    const entry = this.responses.get(id);
    if (!entry) return;
    this.responses.delete(id);
    for (const key of entry.items) if (this.itemIndex.get(key)?.responseId === id) this.itemIndex.delete(key);
  }

  private remember(owner: ResponseOwner): void {
    this.owners.set(owner.id, owner);
    // Insertion order is age: past the bound the oldest record goes (its id then passes unchecked).
    if (this.owners.size > this.maxOwners) this.owners.delete(this.owners.keys().next().value!);
  }

  private async flushOwners(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const lines = this.pendingOwners;
    if (lines.length === 0 || this.closed) return;
    this.pendingOwners = [];
    const write = this.append(dayOf(Date.now()), lines).then(
      () => undefined,
      (err) => this.options.log.error('responses-store: could not write owner records', { dir: this.options.dir, err }),
    );
    this.flushing = this.flushing.then(() => write);
    await write;
  }

  /** Writes lines at the end of a day's file; resolves with where each one is, once written. */
  private async append(day: string, lines: string[]): Promise<Loc[]> {
    if (this.closed) throw new Error('responses-store: the store is closed');
    const file = await this.file(day);
    const buffers = lines.map((l) => Buffer.from(`${l}\n`));
    const body = Buffer.concat(buffers);
    // The position is taken before the write: concurrent writes land in call order.
    const start = file.size;
    file.size += body.length;
    await file.handle.write(body, 0, body.length, start);
    let offset = start;
    return buffers.map((b) => {
      const loc = { day, offset, length: b.length - 1 };
      offset += b.length;
      return loc;
    });
  }

  private file(day: string): Promise<DayFile> {
    let file = this.files.get(day);
    if (!file) {
      const path = join(this.options.dir, `${day}.jsonl`);
      file = (async () => {
        // Created if missing, then opened for positioned writes ('a' would ignore positions).
        await (await open(path, 'a')).close();
        const handle = await open(path, 'r+');
        let { size } = await handle.stat();
        // A write cut by a crash left a line without its end: end it, so the next line stands alone.
        const last = Buffer.alloc(1);
        if (size > 0 && (await handle.read(last, 0, 1, size - 1)).bytesRead === 1 && last[0] !== 10) {
          await handle.write(Buffer.from('\n'), 0, 1, size);
          size += 1;
        }
        return { handle, size };
      })();
      this.files.set(day, file);
    }
    return file;
  }

  private async read(loc: Loc): Promise<Line> {
    const file = await this.file(loc.day);
    const buffer = Buffer.allocUnsafe(loc.length);
    const { bytesRead } = await file.handle.read(buffer, 0, loc.length, loc.offset);
    return JSON.parse(buffer.toString('utf8', 0, bytesRead)) as Line;
  }

  private async readResponse(loc: Loc): Promise<StoredResponse> {
    const { k: _kind, ...response } = (await this.read(loc)) as Extract<Line, { k: 'r' }>;
    return response;
  }
}

/** Calls `onLine` for every line of the file with its byte offset and length (without the newline). */
async function scanLines(handle: FileHandle, size: number, onLine: (text: string, offset: number, length: number) => void): Promise<void> {
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  let carry = Buffer.alloc(0);
  let carryStart = 0;
  let position = 0;
  while (position < size) {
    const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, size - position), position);
    if (bytesRead === 0) break;
    const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    const dataStart = carry.length ? carryStart : position;
    position += bytesRead;
    let from = 0;
    for (let nl = data.indexOf(10, from); nl !== -1; nl = data.indexOf(10, from)) {
      if (nl > from) onLine(data.toString('utf8', from, nl), dataStart + from, nl - from);
      from = nl + 1;
    }
    carry = Buffer.from(data.subarray(from));
    carryStart = dataStart + from;
  }
  // A last line without its newline was cut by a crash: left out (it is not a whole record).
}
