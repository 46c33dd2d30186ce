/**
 * The admin API client. The master key travels only in the Authorization header: never in a URL,
 * so it cannot end up in a log line, the history or a Referer. That is also why the live tail is
 * read with fetch and a stream reader instead of EventSource (which cannot send headers).
 */
import { parseSse } from './sse.ts';
import type { AuditDetail, AuditSummary, Bucket, Filters, GroupBy, KeyListing, RequestPage, Stats } from './types.ts';

export const API_BASE = '/admin/api/v1';

/** The key was refused (401) or is not allowed here (403): back to sign-in. */
export class AuthError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  requests(filters: Filters, cursor?: string | null, limit?: number): Promise<RequestPage>;
  request(id: string): Promise<AuditDetail>;
  stats(filters: Filters, bucket: Bucket, group: GroupBy): Promise<Stats>;
  exportFile(filters: Filters, format: 'jsonl' | 'csv'): Promise<Blob>;
  /** The managed keys with their budgets and spend; null when no auth plugin serves /keys. */
  keys(): Promise<KeyListing[] | null>;
  /** Records matching the filters as they finish (the server filters, `q` included), until `signal` aborts. */
  tail(filters: Filters, onRecord: (record: AuditSummary) => void, signal: AbortSignal, onOpen?: () => void): Promise<void>;
}

export function createApi(key: string): Api {
  async function call(path: string, signal?: AbortSignal): Promise<Response> {
    const res = await fetch(API_BASE + path, {
      headers: { authorization: `Bearer ${key}`, accept: 'application/json' },
      signal,
      cache: 'no-store',
      credentials: 'omit',
    });
    if (res.ok) return res;
    const message = await errorMessage(res);
    if (res.status === 401) throw new AuthError(401, `The key was refused: ${message}`);
    if (res.status === 403) throw new AuthError(403, `This key may not use the admin API: ${message}`);
    throw new ApiError(res.status, `${res.status} ${message}`);
  }
  const json = async <T>(path: string): Promise<T> => (await call(path)).json() as Promise<T>;

  return {
    requests: (filters, cursor, limit = 50) => {
      const q = filterParams(filters);
      q.set('limit', String(limit));
      if (cursor) q.set('cursor', cursor);
      return json<RequestPage>(`/requests?${q}`);
    },
    request: (id) => json<AuditDetail>(`/requests/${encodeURIComponent(id)}`),
    stats: (filters, bucket, group) => {
      // The same filters as the table, so charts and rows tell one story.
      const q = filterParams(filters);
      // Stats need both ends (the API defaults to the last 24 h): "all time" means the last year.
      const { from, to } = statsWindow(filters);
      q.set('from', String(from));
      q.set('to', String(to));
      q.set('bucket', bucket);
      q.set('group', group);
      return json<Stats>(`/stats?${q}`);
    },
    keys: async () => {
      try {
        return (await json<{ data: KeyListing[] }>('/keys')).data;
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }
    },
    exportFile: async (filters, format) => {
      const q = filterParams(filters);
      q.set('format', format);
      return (await call(`/export?${q}`)).blob();
    },
    tail: async (filters, onRecord, signal, onOpen) => {
      const res = await call(`/tail?${filterParams(filters)}`, signal);
      onOpen?.();
      if (!res.body) return;
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += value;
          const { events, rest } = parseSse(buffer);
          buffer = rest;
          for (const e of events) {
            if ((e.event ?? 'message') !== 'record') continue;
            try {
              onRecord(JSON.parse(e.data) as AuditSummary);
            } catch {
              // a malformed frame should not end the tail; the next record will come
            }
          }
        }
      } finally {
        reader.releaseLock();
      }
    },
  };
}

async function errorMessage(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { error?: { message?: string } };
    return body.error?.message ?? res.statusText;
  } catch {
    return res.statusText || 'request failed';
  }
}

const RANGE_MS: Record<string, number> = { '15m': 15 * 60_000, '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 };

/** The [from, to] of the filters in epoch ms; null ends are open. */
export function timeWindow(filters: Filters, now = Date.now()): { from: number | null; to: number | null } {
  if (filters.range === 'custom') {
    const from = filters.from ? Date.parse(filters.from) : NaN;
    const to = filters.to ? Date.parse(filters.to) : NaN;
    return { from: Number.isFinite(from) ? from : null, to: Number.isFinite(to) ? to : null };
  }
  const span = RANGE_MS[filters.range];
  return { from: span ? now - span : null, to: null };
}

const ALL_TIME_MS = 365 * 86_400_000;

/** The closed window the charts cover. */
export function statsWindow(filters: Filters, now = Date.now()): { from: number; to: number } {
  const w = timeWindow(filters, now);
  const to = w.to ?? now;
  return { from: w.from ?? to - ALL_TIME_MS, to };
}

function timeParams(filters: Filters): URLSearchParams {
  const q = new URLSearchParams();
  const { from, to } = timeWindow(filters);
  if (from !== null) q.set('from', String(from));
  if (to !== null) q.set('to', String(to));
  return q;
}

export function filterParams(filters: Filters): URLSearchParams {
  const q = timeParams(filters);
  for (const name of ['model', 'provider', 'status', 'principal', 'outcome', 'stream', 'q'] as const) {
    const value = filters[name].trim();
    if (value) q.set(name, value);
  }
  return q;
}
