import { describe, expect, it } from 'vitest';
import { alignBuckets, pickBucket } from './buckets.ts';

const counts = (requests: number) => ({ requests, errors: 0, input_tokens: requests * 10, output_tokens: 0, cached_tokens: 0, reasoning_tokens: 0, cost_usd: requests / 100, unpriced: 0 });
const HOUR = 3_600_000;

describe('alignBuckets', () => {
  it('fills empty buckets with zeros across the window, in seconds', () => {
    const from = Date.UTC(2026, 0, 1, 0);
    const { xs, rows } = alignBuckets({ buckets: [{ t: from + 2 * HOUR, ...counts(3) }], groups: [] }, 'hour', { from, to: from + 4 * HOUR });
    expect(xs).toEqual([0, 1, 2, 3].map((h) => (from + h * HOUR) / 1000));
    expect(rows.map((r) => r.requests)).toEqual([0, 0, 3, 0]);
  });

  it('trims the empty lead of an "all time" window but keeps a few buckets to draw', () => {
    const to = Date.UTC(2026, 0, 10);
    const { xs, rows } = alignBuckets({ buckets: [{ t: to - 86_400_000, ...counts(1) }], groups: [] }, 'day', { from: to - 365 * 86_400_000, to }, true);
    expect(xs.length).toBe(7);
    expect(rows.at(-1)!.requests).toBe(1);
  });
});

describe('pickBucket', () => {
  it('keeps the number of points readable', () => {
    expect(pickBucket(HOUR)).toBe('minute');
    expect(pickBucket(24 * HOUR)).toBe('hour');
    expect(pickBucket(30 * 24 * HOUR)).toBe('day');
  });
});
