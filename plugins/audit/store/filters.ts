/**
 * What every store shares: the newest-first order, filter matching, summaries and stats counting.
 * A custom store can reuse these so its answers match the default store's.
 */
import { compileModelPatterns, type AuditRecord } from 'aurora';
import type { AuditFilters, AuditStats, AuditSummary, CursorPosition, StatsBucket, StatsCounts, StatsOptions } from './audit-store.ts';

/** The record minus its bodies. */
export function summaryOf(record: AuditRecord): AuditSummary {
  const { trail: _trail, ...summary } = record;
  return summary;
}

/** Newest first: later `time` first, then the greater id, so equal times still have one order. */
export function compareNewestFirst(a: CursorPosition, b: CursorPosition): number {
  return b.time - a.time || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** True when `entry` sorts after `cursor` (i.e. belongs to a later page). */
export function isAfterCursor(entry: CursorPosition, cursor: CursorPosition | undefined): boolean {
  return !cursor || compareNewestFirst(cursor, entry) < 0;
}

export type SummaryMatcher = (summary: AuditSummary, searchText: () => string) => boolean;

/**
 * Compile filters once per query. `searchText` is asked for only when `q` is set (it may be
 * computed on demand for records not yet indexed).
 */
export function compileFilters(filters: AuditFilters): SummaryMatcher {
  const checks: SummaryMatcher[] = [];
  const { from, to, model, provider, status, principal, outcome, stream, q } = filters;
  if (from !== undefined) checks.push((s) => s.time >= from);
  if (to !== undefined) checks.push((s) => s.time < to);
  if (model !== undefined) {
    const matches = compileModelPatterns([model]);
    checks.push((s) => s.model !== null && matches(s.model));
  }
  if (provider !== undefined) checks.push((s) => s.provider === provider);
  if (typeof status === 'number') checks.push((s) => s.status === status);
  else if (status !== undefined) {
    const hundreds = Number(status[0]) * 100;
    checks.push((s) => s.status >= hundreds && s.status < hundreds + 100);
  }
  if (principal !== undefined) checks.push((s) => s.principal?.id === principal);
  if (outcome !== undefined) checks.push((s) => s.outcome === outcome);
  if (stream !== undefined) checks.push((s) => s.stream === stream);
  const words = q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
  if (words.length) {
    checks.push((_s, text) => {
      const haystack = text();
      return words.every((w) => haystack.includes(w));
    });
  }
  return (summary, text) => checks.every((check) => check(summary, text));
}

export function isError(summary: AuditSummary): boolean {
  return summary.outcome === 'error' || summary.status >= 400;
}

const BUCKET_MS: Record<StatsBucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** How many buckets a range spans (to refuse absurd ones before counting). */
export function bucketCount(from: number, to: number, bucket: StatsBucket): number {
  const size = BUCKET_MS[bucket];
  return Math.max(0, Math.ceil((to - floorTo(from, size)) / size));
}

/** Counts summaries into time buckets and groups; feed it, then read `result()`. */
export function createStatsCounter(options: StatsOptions): { add(summary: AuditSummary): void; result(): AuditStats } {
  const size = BUCKET_MS[options.bucket];
  const start = floorTo(options.from, size);
  const buckets: Array<{ t: number } & StatsCounts> = [];
  for (let t = start; t < options.to; t += size) buckets.push({ t, ...emptyCounts() });
  const groups = new Map<string | null, { key: string | null } & StatsCounts>();
  const keyOf = (s: AuditSummary): string | null => (options.groupBy === 'principal' ? s.principal?.id ?? null : s[options.groupBy]);
  return {
    add(summary) {
      const bucket = buckets[Math.floor((summary.time - start) / size)];
      if (bucket) count(bucket, summary);
      const key = keyOf(summary);
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { key, ...emptyCounts() }));
      count(group, summary);
    },
    result() {
      return { buckets, groups: [...groups.values()].sort((a, b) => b.requests - a.requests || String(a.key).localeCompare(String(b.key))) };
    },
  };
}

function count(into: StatsCounts, s: AuditSummary): void {
  into.requests++;
  if (isError(s)) into.errors++;
  if (s.usage) {
    into.input_tokens += s.usage.input_tokens;
    into.output_tokens += s.usage.output_tokens;
    into.cached_tokens += s.usage.cached_tokens;
    into.reasoning_tokens += s.usage.reasoning_tokens;
  }
  // Records written before costs were recorded have neither field.
  if (typeof s.cost === 'number') into.cost_usd += s.cost;
  if (s.unpriced === true) into.unpriced++;
}

export function emptyCounts(): StatsCounts {
  return { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced: 0 };
}

// Buckets are UTC-aligned: epoch ms is UTC, so flooring by the bucket size aligns minutes, hours and days.
function floorTo(time: number, size: number): number {
  return Math.floor(time / size) * size;
}
