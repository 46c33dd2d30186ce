import { describe, expect, it } from 'vitest';
import { createLimiter, WINDOW_MS } from './limits.ts';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

describe('rpm (sliding 60 s window)', () => {
  it('admits rpm requests, then refuses until the oldest leaves the window', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    const limits = { rpm: 3, tpm: null };
    expect(limiter.admit('k', limits)).toBeUndefined();
    c.advance(10_000);
    expect(limiter.admit('k', limits)).toBeUndefined();
    expect(limiter.admit('k', limits)).toBeUndefined();
    c.advance(5_000);
    expect(limiter.admit('k', limits)).toEqual({ kind: 'rpm', limit: 3, retryAfter: 45 });
    c.advance(44_500);
    expect(limiter.admit('k', limits)?.retryAfter).toBe(1);
    c.advance(500);
    // The first request (t=0) has left the window; the two at t=10 s have not.
    expect(limiter.admit('k', limits)).toBeUndefined();
    expect(limiter.admit('k', limits)?.kind).toBe('rpm');
  });

  it('refused requests do not count, keys are separate, and forget() clears a key', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    const limits = { rpm: 1, tpm: null };
    expect(limiter.admit('a', limits)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(limiter.admit('a', limits)).toBeDefined();
    expect(limiter.admit('b', limits)).toBeUndefined();
    c.advance(WINDOW_MS);
    expect(limiter.admit('a', limits)).toBeUndefined();
    limiter.forget('a');
    expect(limiter.admit('a', limits)).toBeUndefined();
  });

  it('no limits: always admitted', () => {
    const limiter = createLimiter();
    for (let i = 0; i < 1000; i++) expect(limiter.admit('k', { rpm: null, tpm: null })).toBeUndefined();
  });
});

describe('tpm (tokens reported after each request)', () => {
  it('refuses once the tokens in the window reach tpm, until enough of them leave it', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    const limits = { rpm: null, tpm: 100 };
    expect(limiter.admit('k', limits)).toBeUndefined();
    limiter.addTokens('k', 60);
    c.advance(20_000);
    expect(limiter.admit('k', limits)).toBeUndefined();
    limiter.addTokens('k', 70); // 130 in the window: the request that crossed it completed
    c.advance(1_000);
    expect(limiter.admit('k', limits)).toEqual({ kind: 'tpm', limit: 100, retryAfter: 39 });
    c.advance(39_000);
    // The 60 left; 70 < 100 remain.
    expect(limiter.admit('k', limits)).toBeUndefined();
  });

  it('ignores zero and non-numeric token counts', () => {
    const limiter = createLimiter();
    limiter.addTokens('k', 0);
    limiter.addTokens('k', Number.NaN);
    expect(limiter.admit('k', { rpm: null, tpm: 1 })).toBeUndefined();
  });
});
