import { describe, expect, it } from 'vitest';
import { createLimiter, RESERVATION_TTL_MS, WINDOW_MS, type Reservation } from './limits.ts';

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

describe('tpm against what is in flight (reserve, then settle)', () => {
  const held = (answer: ReturnType<ReturnType<typeof createLimiter>['reserve']>): Reservation => {
    expect(answer.refusal).toBeUndefined();
    return answer.reservation!;
  };

  it('admits while window + reservations are below tpm, whatever is still running', () => {
    const limiter = createLimiter(clock().now);
    // 25 tokens each against 100: 0, 25, 50, 75 held before each; the fifth sees 100.
    const answers = Array.from({ length: 10 }, () => limiter.reserve('k', 100, 25));
    expect(answers.filter((a) => a.reservation)).toHaveLength(Math.ceil(100 / 25));
    expect(answers.at(-1)!.refusal).toEqual({ kind: 'tpm', limit: 100, retryAfter: 60 });
    // admit() (at authentication) sees the reservations too.
    expect(limiter.admit('k', { rpm: null, tpm: 100 })?.kind).toBe('tpm');
    expect(limiter.admit('other', { rpm: null, tpm: 100 })).toBeUndefined();
  });

  it('a request larger than tpm is admitted when nothing else is held, as one that crosses tpm always was', () => {
    const limiter = createLimiter(clock().now);
    held(limiter.reserve('k', 100, 500));
    expect(limiter.reserve('k', 100, 1).refusal?.kind).toBe('tpm');
  });

  it('settle replaces the reservation by the tokens used, counted in the window from then on', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    const a = held(limiter.reserve('k', 90, 60));
    c.advance(10_000);
    limiter.settle(a, 30); // used less than it held: the difference is free again
    held(limiter.reserve('k', 90, 60)); // 30 used + 60 held
    expect(limiter.reserve('k', 90, 1).refusal).toEqual({ kind: 'tpm', limit: 90, retryAfter: 60 });
    c.advance(WINDOW_MS);
    // The 30 left the window 60 s after they were settled; the second reservation still holds 60.
    held(limiter.reserve('k', 90, 1));
  });

  it('retry-after counts down to when the window frees room, with reservations counted as used now', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    limiter.settle(held(limiter.reserve('k', 100, 10)), 80);
    c.advance(20_000);
    held(limiter.reserve('k', 100, 30)); // 80 used + 30 held
    expect(limiter.reserve('k', 100, 1).refusal?.retryAfter).toBe(40); // the 80 leave at 60 s
  });

  it('refused, settled twice, forgotten or expired reservations hold nothing', () => {
    const c = clock();
    const limiter = createLimiter(c.now);
    const a = held(limiter.reserve('k', 100, 100));
    for (let i = 0; i < 5; i++) expect(limiter.reserve('k', 100, 10).refusal).toBeDefined();
    limiter.settle(a, 0);
    limiter.settle(a, 0);
    const b = held(limiter.reserve('k', 100, 100));
    // Had the double settle freed 100 twice, this would be admitted.
    expect(limiter.reserve('k', 100, 10).refusal).toBeDefined();
    limiter.forget('k');
    held(limiter.reserve('k', 100, 100));
    limiter.settle(b, 0); // forgotten: frees nothing of the new state
    expect(limiter.reserve('k', 100, 1).refusal).toBeDefined();
    // A reservation nobody settles stops counting after RESERVATION_TTL_MS.
    c.advance(RESERVATION_TTL_MS);
    held(limiter.reserve('k', 100, 1));
  });
});
