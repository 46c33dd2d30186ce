import { createHash } from 'node:crypto';

// Ids look like the real services' (opaque hex) but come from a per-server counter, so
// the same request sequence yields the same ids on every run. The counter is not reset
// by reset(): a gateway that caches by id must never see an old id come back.
export class IdFactory {
  private counter = 0;

  /** `prefix` + `length` hex characters, e.g. next('resp_') → 'resp_6d8c2b42…'. */
  next(prefix: string, length = 24): string {
    return prefix + this.digest(prefix).slice(0, length);
  }

  /** DeepSeek's chat completion ids are UUIDs. */
  uuid(): string {
    const h = this.digest('uuid');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  private digest(salt: string): string {
    return createHash('sha256').update(`${salt}:${this.counter++}`).digest('hex');
  }
}

/** Fixed timestamp: `created` / `created_at` would otherwise be the only varying field. */
export const MOCK_CREATED = 1_795_655_349;
