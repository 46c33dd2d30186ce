/**
 * The reasoning carrier (translation.md §4, approach A).
 *
 * DeepSeek wants `reasoning_content` back on every assistant message that made tool calls, but
 * Codex drops a reasoning item's `content` when it replays history; it only returns `summary` and
 * `encrypted_content`. So the reasoning text travels inside `encrypted_content`, sealed with
 * AES-256-GCM: stateless (survives restarts, works across instances sharing the secret) and
 * integrity-protected, so a client cannot make the gateway present forged text as the model's
 * own reasoning.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface ReasoningCarrier {
  /** Seal reasoning text into an opaque `encrypted_content` token. */
  seal(text: string, meta: { model: string }): string;
  /** The text sealed in `token`, or undefined for anything this carrier did not seal (never throws). */
  open(token: string): string | undefined;
}

const PREFIX = 'aurora.r1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Bound to the format version: a token of a later format cannot be opened as this one.
const AAD = Buffer.from(PREFIX);

export function createReasoningCarrier(secret: string): ReasoningCarrier {
  const key = Buffer.from(hkdfSync('sha256', secret, 'aurora.deepseek', 'aurora reasoning carrier v1', 32));
  return {
    seal(text, meta) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(AAD);
      // The model travels along for diagnostics; only `t` is used when opening.
      const plain = Buffer.from(JSON.stringify({ m: meta.model, t: text }));
      const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return PREFIX + body.toString('base64url');
    },
    open(token) {
      if (typeof token !== 'string' || !token.startsWith(PREFIX)) return undefined;
      try {
        const body = Buffer.from(token.slice(PREFIX.length), 'base64url');
        if (body.length < IV_BYTES + TAG_BYTES) return undefined;
        const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
        decipher.setAAD(AAD);
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
        const parsed: unknown = JSON.parse(plain.toString('utf8'));
        const text = (parsed as { t?: unknown } | null)?.t;
        return typeof text === 'string' ? text : undefined;
      } catch {
        // Wrong key, tampered bytes, truncated token: not ours.
        return undefined;
      }
    },
  };
}

/**
 * The carrier secret when none is configured: the API key (HKDF in the carrier makes it a separate
 * key), so every instance with the same key opens the others' tokens; without a key a random value,
 * valid for this process only.
 */
export function defaultReasoningSecret(apiKey: string | undefined): string {
  return apiKey ? `apikey:${apiKey}` : `random:${randomBytes(32).toString('base64url')}`;
}
