/**
 * Stats in SQL, answering as the lowdb store's counter does (../filters.ts): every UTC-aligned
 * bucket from `from` to `to`, groups by most requests then key. Records still in memory are counted
 * by that counter; the database counts the rest, in one scan: GROUPING SETS gives the per-bucket
 * and the per-key rows together.
 */
import type pg from 'pg';
import { createStatsCounter, emptyCounts } from '../filters.ts';
import { filterConditions, Params, whereSql } from './query.ts';
import type { AuditFilters, AuditStats, AuditSummary, StatsCounts, StatsOptions } from '../audit-store.ts';

const BUCKET_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** `inMemory`: the matching records not yet written; `excludeIds`: every record not yet written. */
export async function queryStats(pool: pg.Pool, table: string, options: StatsOptions, inMemory: readonly AuditSummary[], excludeIds: readonly string[]): Promise<AuditStats> {
  const size = BUCKET_MS[options.bucket];
  const filters: AuditFilters = { ...options.filters, from: options.from, to: options.to };
  const counter = createStatsCounter(options);
  for (const summary of inMemory) counter.add(summary);
  const result = counter.result();
  const params = new Params();
  const where = filterConditions(filters, params, excludeIds);
  const keyColumn = options.groupBy === 'principal' ? 'principal' : options.groupBy === 'provider' ? 'provider' : 'model';
  // Flooring epoch ms by the bucket size is date_bin() on a UTC origin, without leaving numbers.
  const bucket = `floor(time / ${params.add(size)})`;
  const { rows } = await pool.query<StatsCounts & { bucket: number | null; key: string | null; by_key: boolean }>(
    `SELECT ${bucket} AS bucket, ${keyColumn} AS key, GROUPING(${keyColumn}) = 0 AS by_key,
      count(*)::float8 AS requests,
      count(*) FILTER (WHERE outcome = 'error' OR status >= 400)::float8 AS errors,
      coalesce(sum(input_tokens), 0) AS input_tokens, coalesce(sum(output_tokens), 0) AS output_tokens,
      coalesce(sum(cached_tokens), 0) AS cached_tokens, coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
      coalesce(sum(cost), 0) AS cost_usd, count(*) FILTER (WHERE unpriced)::float8 AS unpriced
    FROM ${table} ${whereSql(where)}
    GROUP BY GROUPING SETS ((${bucket}), (${keyColumn}))`,
    params.values,
  );
  const start = Math.floor(options.from / size) * size;
  const groups = new Map(result.groups.map((g) => [g.key, g]));
  for (const row of rows) {
    if (row.by_key) {
      let group = groups.get(row.key);
      if (!group) groups.set(row.key, (group = { key: row.key, ...emptyCounts() }));
      addCounts(group, row);
    } else {
      const target = result.buckets[Math.round((Number(row.bucket) * size - start) / size)];
      if (target) addCounts(target, row);
    }
  }
  // The lowdb store's order (../filters.ts): most requests first, then by key.
  const sorted = [...groups.values()].sort((a, b) => b.requests - a.requests || String(a.key).localeCompare(String(b.key)));
  return { buckets: result.buckets, groups: sorted };
}

function addCounts(into: StatsCounts, row: StatsCounts): void {
  into.requests += Number(row.requests);
  into.errors += Number(row.errors);
  into.input_tokens += Number(row.input_tokens);
  into.output_tokens += Number(row.output_tokens);
  into.cached_tokens += Number(row.cached_tokens);
  into.reasoning_tokens += Number(row.reasoning_tokens);
  into.cost_usd += Number(row.cost_usd);
  into.unpriced += Number(row.unpriced);
}
