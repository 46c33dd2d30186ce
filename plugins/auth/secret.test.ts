import { beforeEach, describe, expect, it, vi } from 'vitest';

// Wrap the real timingSafeEqual so the test can see what the comparison was handed.
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return { ...real, timingSafeEqual: vi.fn(real.timingSafeEqual) };
});
const { timingSafeEqual } = await import('node:crypto');
const { generateKey, generateKeyId, hashSecret, parseManagedKey, secretMatches } = await import('./secret.ts');

beforeEach(() => {
  vi.mocked(timingSafeEqual).mockClear();
});

describe('secretMatches', () => {
  const secret = generateKey(generateKeyId()).secret;
  const stored = hashSecret(secret);

  it('accepts the secret and refuses anything else, through timingSafeEqual on 32-byte digests', () => {
    expect(secretMatches(secret, stored)).toBe(true);
    for (const wrong of ['', 'x', secret.slice(0, -1), `${secret}x`, 'y'.repeat(10_000)]) {
      expect(() => secretMatches(wrong, stored)).not.toThrow();
      expect(secretMatches(wrong, stored)).toBe(false);
    }
    const calls = vi.mocked(timingSafeEqual).mock.calls;
    expect(calls.length).toBe(11);
    for (const [a, b] of calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });

  it('refuses (without throwing) when the stored hash is damaged', () => {
    expect(secretMatches(secret, stored.slice(0, 10))).toBe(false);
    expect(secretMatches(secret, '')).toBe(false);
    expect(timingSafeEqual).toHaveBeenCalledTimes(2);
  });
});

describe('key format', () => {
  it('ak_<12 hex id>_<43 base64url secret>, parsed back into id and secret', () => {
    const { id, secret, key } = generateKey(generateKeyId());
    expect(key).toMatch(/^ak_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(parseManagedKey(key)).toEqual({ id, secret });
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(secret)).not.toContain(secret);
  });

  it('rejects anything else', () => {
    for (const bad of ['', 'ak_', 'ak_abc', `ak_XYZ123456789_${'a'.repeat(43)}`, `sk_0123456789ab_${'a'.repeat(43)}`, `ak_0123456789ab_${'a'.repeat(5)}`, `ak_0123456789ab_${'a'.repeat(43)} `]) {
      expect(parseManagedKey(bad)).toBeUndefined();
    }
  });
});
