/**
 * Managed key format and comparison. A key is `ak_<id>_<secret>`: the id (12 hex characters) finds
 * the record, the secret (32 random bytes, base64url) is checked against its stored SHA-256. The
 * secret has 256 bits of entropy, so an unsalted fast hash is enough: there is nothing to brute-force.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'ak_';
const KEY_FORMAT = /^ak_([0-9a-f]{8,32})_([A-Za-z0-9_-]{20,128})$/;
export const KEY_ID_FORMAT = /^[0-9a-f]{8,32}$/;

export interface ParsedKey {
  id: string;
  secret: string;
}

/** A fresh secret for `id` and the full key the client will present (shown once, never stored). */
export function generateKey(id: string): { id: string; secret: string; key: string } {
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${KEY_PREFIX}${id}_${secret}` };
}

/** 48 random bits: ids are public (lists, audit records); the store retries on the rare collision. */
export function generateKeyId(): string {
  return randomBytes(6).toString('hex');
}

export function parseManagedKey(presented: string): ParsedKey | undefined {
  const match = KEY_FORMAT.exec(presented);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

/** What the store keeps instead of the secret: hex SHA-256. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Constant time in the secret: both sides are 32-byte digests whatever was presented, so
 * timingSafeEqual never sees unequal lengths and the time says nothing about how much matched.
 */
export function secretMatches(secret: string, storedHash: string): boolean {
  const actual = createHash('sha256').update(secret).digest();
  const expected = Buffer.from(storedHash, 'hex');
  if (expected.length !== actual.length) {
    // A damaged record: spend the same time, then refuse (timingSafeEqual would throw on the lengths).
    timingSafeEqual(actual, actual);
    return false;
  }
  return timingSafeEqual(actual, expected);
}
