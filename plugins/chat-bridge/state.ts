/**
 * The reasoning carrier (translation.md §4, approach A).
 *
 * Chat Completions providers want their reasoning back on later turns in a field of the assistant
 * message (`reasoning_content`, `reasoning`, `reasoning_details`, a thought signature on a tool
 * call), but Codex drops a reasoning item's `content` when it replays history; it only returns
 * `summary` and `encrypted_content`. So what the provider needs back travels inside
 * `encrypted_content`, sealed with AES-256-GCM: stateless (survives restarts, works across
 * instances sharing the secret) and integrity-protected, so a client cannot make the gateway
 * present forged text as the model's own reasoning, nor forge a provider's signature blob.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { JsonObject } from 'aurora';

/**
 * What one reasoning item carries. `text`: the reasoning text; `details`: OpenRouter-style
 * `reasoning_details` as received (consolidated); `signatures`: tool call id → thought signature;
 * `tail`: the item was emitted after the turn's message and calls (its state became known only at
 * the end of the answer), so it belongs to the assistant turn before it.
 */
export interface ReasoningState {
  text: string;
  details?: JsonObject[];
  signatures?: Record<string, string>;
  tail?: boolean;
}

export interface ReasoningCarrier {
  /** Seal reasoning text into an opaque `encrypted_content` token. */
  seal(text: string, meta: { model: string }): string;
  /** Seal a whole reasoning state. */
  sealState(state: ReasoningState, meta: { model: string }): string;
  /** The text sealed in `token`, or undefined for anything this carrier did not seal (never throws). */
  open(token: string): string | undefined;
  /** The state sealed in `token`, or undefined for anything this carrier did not seal (never throws). */
  openState(token: string): ReasoningState | undefined;
}

const PREFIX = 'aurora.r1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Bound to the format version: a token of a later format cannot be opened as this one.
const AAD = Buffer.from(PREFIX);
// The HKDF salt the first provider (DeepSeek) shipped with: kept so tokens already handed out open.
const SALT = 'aurora.deepseek';

export function createReasoningCarrier(secret: string): ReasoningCarrier {
  const key = Buffer.from(hkdfSync('sha256', secret, SALT, 'aurora reasoning carrier v1', 32));
  const sealJson = (payload: JsonObject): string => {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(AAD);
    const body = Buffer.concat([iv, cipher.update(Buffer.from(JSON.stringify(payload))), cipher.final(), cipher.getAuthTag()]);
    return PREFIX + body.toString('base64url');
  };
  const openJson = (token: string): JsonObject | undefined => {
    if (typeof token !== 'string' || !token.startsWith(PREFIX)) return undefined;
    try {
      const body = Buffer.from(token.slice(PREFIX.length), 'base64url');
      if (body.length < IV_BYTES + TAG_BYTES) return undefined;
      const decipher = createDecipheriv('aes-256-gcm', key, body.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      const plain = Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]);
      const parsed: unknown = JSON.parse(plain.toString('utf8'));
      return parsed && typeof parsed === 'object' && typeof (parsed as JsonObject).t === 'string' ? (parsed as JsonObject) : undefined;
    } catch {
      // Wrong key, tampered bytes, truncated token: not ours.
      return undefined;
    }
  };
  return {
    // The model travels along for diagnostics; only the state is used when opening.
    seal: (text, meta) => sealJson({ m: meta.model, t: text }),
    sealState(state, meta) {
      const payload: JsonObject = { m: meta.model, t: state.text };
      if (state.details?.length) payload.d = state.details;
      if (state.signatures && Object.keys(state.signatures).length > 0) payload.s = state.signatures;
      if (state.tail) payload.a = 1;
      return sealJson(payload);
    },
    open: (token) => openJson(token)?.t,
    openState(token) {
      const p = openJson(token);
      if (!p) return undefined;
      const state: ReasoningState = { text: p.t };
      if (Array.isArray(p.d)) state.details = p.d;
      if (p.s && typeof p.s === 'object') state.signatures = p.s;
      if (p.a === 1) state.tail = true;
      return state;
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
