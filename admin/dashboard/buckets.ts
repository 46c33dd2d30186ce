/** Stats buckets laid out for the time charts: pure, so it runs (and is tested) without a DOM. */
import type { Bucket, StatCounts, Stats } from './types.ts';

const BUCKET_SECONDS: Record<Bucket, number> = { minute: 60, hour: 3600, day: 86_400 };

/**
 * Bucket times in seconds (uPlot's unit) with empty buckets filled, so gaps read as zero, not as a
 * line across. `trimEmptyStart` drops the empty lead of an open-ended ("all time") window.
 */
export function alignBuckets(
  stats: Stats,
  bucket: Bucket,
  span: { from: number; to: number },
  trimEmptyStart = false,
): { xs: number[]; rows: StatCounts[] } {
  const step = BUCKET_SECONDS[bucket];
  const byT = new Map<number, StatCounts>();
  for (const b of stats.buckets) {
    const raw = typeof b.t === 'string' ? Date.parse(b.t) : b.t;
    // Epoch ms and epoch seconds are both accepted: anything past 1e11 is milliseconds.
    const sec = Math.floor((raw > 1e11 ? raw / 1000 : raw) / step) * step;
    const prev = byT.get(sec);
    byT.set(sec, prev ? addCounts(prev, b) : { ...b });
  }
  const known = [...byT.keys()].filter((t) => byT.get(t)!.requests > 0).sort((a, b) => a - b);
  const windowStart = Math.floor(span.from / 1000 / step) * step;
  const start = trimEmptyStart && known[0] !== undefined ? Math.max(windowStart, known[0] - step) : windowStart;
  const end = Math.floor((span.to - 1) / 1000 / step) * step;
  const xs: number[] = [];
  const rows: StatCounts[] = [];
  // Cap the filled range: a 30-day window in minutes would be 43k points.
  const first = Math.max(start, end - step * 2000);
  // Trimmed to one bucket, a chart has no width to draw in: show a few before it.
  if (trimEmptyStart && end - first < step * 6) return alignBuckets(stats, bucket, { from: (end - step * 6) * 1000, to: span.to });
  for (let t = first; t <= end; t += step) {
    xs.push(t);
    rows.push(byT.get(t) ?? { ...NO_COUNTS });
  }
  return { xs, rows };
}

export const NO_COUNTS: StatCounts = { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: 0, unpriced: 0 };

export function addCounts(a: StatCounts, b: StatCounts): StatCounts {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    input_tokens: a.input_tokens + b.input_tokens,
    output_tokens: a.output_tokens + b.output_tokens,
    cached_tokens: a.cached_tokens + b.cached_tokens,
    reasoning_tokens: a.reasoning_tokens + b.reasoning_tokens,
    // A gateway older than the cost fields sends none.
    cost_usd: a.cost_usd + (b.cost_usd ?? 0),
    unpriced: a.unpriced + (b.unpriced ?? 0),
  };
}

export function pickBucket(spanMs: number): Bucket {
  if (spanMs <= 3 * 3_600_000) return 'minute';
  if (spanMs <= 8 * 86_400_000) return 'hour';
  return 'day';
}
