/**
 * The live tail across gateways. Each gateway's tail shows what it records itself as it happens; for
 * the records of the other gateways, every written batch is announced with NOTIFY (its ids, in
 * chunks under PostgreSQL's 8,000-byte payload limit) and each gateway LISTENs on one connection.
 * A gateway fetches the announced summaries only while someone watches its tail. Announcements are
 * sent after the batch commits, so the rows are there to fetch; one lost announcement costs the
 * tail those records, never the audit trail.
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'aurora';
import { quoteIdent, type Database } from 'aurora/postgres';
import type { AuditSummary } from '../audit-store.ts';

/** What a gateway's tail does with another gateway's record. */
export type ForeignRecordListener = (summary: AuditSummary, searchText: string) => void;

const PAYLOAD_LIMIT = 7900;
const RECONNECT_MS = 1000;

export interface RecordFeed {
  /** Announce ids this store just wrote. */
  announce(ids: readonly string[]): Promise<void>;
  /** Deliver the records other gateways write to `listener` while `wanted()`; returns a stop function. */
  follow(listener: ForeignRecordListener, wanted: () => boolean): () => void;
  close(): Promise<void>;
}

export function createRecordFeed(db: Database, table: string, log: Logger): RecordFeed {
  // One channel per schema (two Aurora deployments may share a database); hashed, as a channel name
  // is an identifier of at most 63 bytes.
  const channel = `aurora_audit_${createHash('sha256').update(db.schema).digest('hex').slice(0, 16)}`;
  const self = randomBytes(8).toString('hex');
  const followers = new Set<{ listener: ForeignRecordListener; wanted: () => boolean }>();
  let client: pg.PoolClient | undefined;
  let connecting: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let closed = false;

  async function deliver(payload: string | undefined): Promise<void> {
    let message: unknown;
    try {
      message = JSON.parse(payload ?? '');
    } catch {
      return;
    }
    if (!Array.isArray(message) || message[0] === self) return;
    const active = [...followers].filter((f) => f.wanted());
    if (!active.length) return;
    const { rows } = await db.pool.query<{ summary: AuditSummary; search: string }>(
      `SELECT summary, search FROM ${table} WHERE id = ANY($1::text[]) ORDER BY time, id`,
      [message.slice(1).filter((id) => typeof id === 'string')],
    );
    for (const row of rows) for (const f of active) f.listener(row.summary, row.search);
  }

  function listen(): void {
    if (closed || client || connecting || !followers.size) return;
    connecting = (async () => {
      const c = await db.pool.connect();
      let dropped = false;
      const drop = (err?: Error) => {
        if (dropped) return;
        dropped = true;
        c.removeAllListeners('notification');
        c.release(err ?? true);
        if (client === c) client = undefined;
        if (!closed && followers.size) retry = setTimeout(listen, RECONNECT_MS).unref();
      };
      c.on('error', (err) => {
        log.warn('audit: lost the PostgreSQL connection that follows other gateways’ records; reconnecting', { err });
        drop(err);
      });
      c.on('notification', (n) => {
        if (n.channel !== channel) return;
        deliver(n.payload).catch((err) => log.warn('audit: could not read records announced by another gateway', { err }));
      });
      try {
        await c.query(`LISTEN ${quoteIdent(channel)}`);
      } catch (err) {
        drop(err as Error);
        throw err;
      }
      client = c;
      if (closed || !followers.size) await stop();
    })()
      .catch((err) => log.warn('audit: cannot follow other gateways’ records for the live tail; retrying', { err }))
      .finally(() => (connecting = undefined));
  }

  async function stop(): Promise<void> {
    clearTimeout(retry);
    const c = client;
    client = undefined;
    if (!c) return;
    c.removeAllListeners('notification');
    try {
      await c.query(`UNLISTEN ${quoteIdent(channel)}`);
      c.release();
    } catch (err) {
      c.release(err as Error);
    }
  }

  return {
    async announce(ids) {
      if (!ids.length) return;
      const payloads: string[] = [];
      let chunk: string[] = [self];
      let bytes = JSON.stringify(chunk).length;
      for (const id of ids) {
        const size = JSON.stringify(id).length + 1;
        if (bytes + size > PAYLOAD_LIMIT && chunk.length > 1) {
          payloads.push(JSON.stringify(chunk));
          chunk = [self];
          bytes = JSON.stringify(chunk).length;
        }
        // An id too long for any payload is not announced (its record is still written and listed).
        if (bytes + size > PAYLOAD_LIMIT) continue;
        chunk.push(id);
        bytes += size;
      }
      if (chunk.length > 1) payloads.push(JSON.stringify(chunk));
      await db.pool.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
    },
    follow(listener, wanted) {
      const follower = { listener, wanted };
      followers.add(follower);
      listen();
      return () => {
        followers.delete(follower);
        if (!followers.size) void stop();
      };
    },
    async close() {
      closed = true;
      followers.clear();
      await connecting;
      await stop();
    },
  };
}
