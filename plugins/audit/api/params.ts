/**
 * Query-string parsing for the admin API. A bad value is a 400 naming the parameter and what it
 * accepts; an empty value (`model=`, as a form sends it) counts as absent.
 */
import { GatewayError, type Outcome } from 'aurora';
import { bucketCount } from '../store/filters.ts';
import { decodeCursor, type AuditFilters, type StatsBucket, type StatsGroup, type StatsOptions, type StatusClass } from '../store/audit-store.ts';

const OUTCOMES: readonly Outcome[] = ['ok', 'error', 'client_closed'];
const BUCKETS: readonly StatsBucket[] = ['minute', 'hour', 'day'];
const GROUPS: readonly StatsGroup[] = ['model', 'provider', 'principal'];
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
export const MAX_BUCKETS = 10_000;

export function parseFilters(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  const from = time(params, 'from');
  const to = time(params, 'to');
  if (from !== undefined) filters.from = from;
  if (to !== undefined) filters.to = to;
  for (const key of ['model', 'provider', 'principal', 'q'] as const) {
    const value = get(params, key);
    if (value !== undefined) filters[key] = value;
  }
  const status = get(params, 'status');
  if (status !== undefined) {
    if (/^[1-5]\d\d$/.test(status)) filters.status = Number(status);
    else if (/^[1-5]xx$/i.test(status)) filters.status = status.toLowerCase() as StatusClass;
    else throw invalid('status', `status must be a status code (404) or a class (4xx), got "${status}"`);
  }
  const outcome = get(params, 'outcome');
  if (outcome !== undefined) filters.outcome = oneOf(outcome, OUTCOMES, 'outcome');
  const stream = get(params, 'stream');
  if (stream !== undefined) {
    if (stream !== 'true' && stream !== 'false') throw invalid('stream', `stream must be true or false, got "${stream}"`);
    filters.stream = stream === 'true';
  }
  return filters;
}

export function parseLimit(params: URLSearchParams, fallback = DEFAULT_LIMIT, max = MAX_LIMIT): number {
  const raw = get(params, 'limit');
  if (raw === undefined) return fallback;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalid('limit', `limit must be an integer from 1 to ${max}, got "${raw}"`);
  return limit;
}

export function parseCursor(params: URLSearchParams): string | undefined {
  const cursor = get(params, 'cursor');
  if (cursor !== undefined && !decodeCursor(cursor)) throw invalid('cursor', 'cursor is not one this API returned (pass next_cursor back unchanged)');
  return cursor;
}

/** Defaults: the last 24 hours, hourly buckets, grouped by model. Other filters narrow what is counted. */
export function parseStatsOptions(params: URLSearchParams, now: number): StatsOptions {
  const { from: _from, to: _to, ...filters } = parseFilters(params);
  const to = time(params, 'to') ?? now;
  const from = time(params, 'from') ?? to - 86_400_000;
  if (from >= to) throw invalid('from', 'from must be before to');
  const bucket = oneOf(get(params, 'bucket') ?? 'hour', BUCKETS, 'bucket');
  const groupBy = oneOf(get(params, 'group') ?? 'model', GROUPS, 'group');
  if (bucketCount(from, to, bucket) > MAX_BUCKETS) throw invalid('bucket', `from..to spans more than ${MAX_BUCKETS} ${bucket} buckets; pick a larger bucket or a shorter range`);
  return { from, to, bucket, groupBy, filters };
}

export function invalid(param: string, message: string): GatewayError {
  return new GatewayError('AURORA_ERR_INVALID_PARAM', { param, message });
}

function get(params: URLSearchParams, key: string): string | undefined {
  const value = params.get(key);
  return value === null || value === '' ? undefined : value;
}

/** Epoch milliseconds; an ISO 8601 date is accepted too. */
function time(params: URLSearchParams, key: string): number | undefined {
  const raw = get(params, key);
  if (raw === undefined) return undefined;
  const value = /^-?\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(value)) throw invalid(key, `${key} must be epoch milliseconds or an ISO 8601 date, got "${raw}"`);
  return value;
}

function oneOf<T extends string>(value: string, accepted: readonly T[], param: string): T {
  if (!(accepted as readonly string[]).includes(value)) throw invalid(param, `${param} must be one of: ${accepted.join(', ')}; got "${value}"`);
  return value as T;
}
