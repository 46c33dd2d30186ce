import { createCipheriv, createDecipheriv, createHash, createHmac } from 'node:crypto';

// Thinking signatures and redacted-thinking data the emulated Messages API issues and later
// checks, so a gateway that alters, drops or invents them fails as it would against Anthropic.
//
// Like Anthropic's, a signature carries the full thinking sealed inside it: with
// `thinking.display: "omitted"` the block's text is empty but the signature still holds (and
// authenticates) the real text, so the usual replay — empty text, same signature — is accepted.
// That is what the docs describe: "Omitted: thinking blocks are returned with an empty thinking
// field; the signature still carries encrypted full thinking for multi-turn continuity"
// (vtcode-llm ThinkingDisplay, after https://platform.claude.com/docs/en/build-with-claude/extended-thinking),
// "its signature still carries the full reasoning, so history round-trips it unchanged"
// (synaps-engine ThinkingDisplay). A replay must carry exactly the text the API showed: an edited
// text, or a summarized text replayed empty, fails ("Invalid `signature` in `thinking` block").
//
// Sealing is AES-256-GCM with the IV derived from the content, so the same thinking always gets
// the same signature (deterministic tests) and any edit fails authentication. The key is fixed:
// signatures stay valid across mock instances, as Anthropic's stay valid across requests.

const KEY = createHash('sha256').update('aurora emulated anthropic thinking key').digest();
const SIGNATURE_PREFIX = 'sig_';
const REDACTED_PREFIX = 'rdt_';

export interface SealedThinking {
  /** What the API showed in the block (empty when display was omitted or the block redacted). */
  shown: string;
  /** The whole thinking. */
  full: string;
}

type Kind = 'thinking' | 'redacted';

function seal(kind: Kind, content: SealedThinking): string {
  const plain = Buffer.from(JSON.stringify({ k: kind, s: content.shown, f: content.full }));
  const iv = createHmac('sha256', KEY).update(plain).digest().subarray(0, 12);
  const cipher = createCipheriv('aes-256-gcm', KEY, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return (kind === 'thinking' ? SIGNATURE_PREFIX : REDACTED_PREFIX) + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

function open(kind: Kind, token: unknown): SealedThinking | undefined {
  const prefix = kind === 'thinking' ? SIGNATURE_PREFIX : REDACTED_PREFIX;
  if (typeof token !== 'string' || !token.startsWith(prefix)) return undefined;
  const raw = Buffer.from(token.slice(prefix.length), 'base64url');
  if (raw.length < 12 + 16 + 1) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', KEY, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const plain = Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
    const parsed = JSON.parse(plain.toString('utf8'));
    if (parsed?.k !== kind || typeof parsed.s !== 'string' || typeof parsed.f !== 'string') return undefined;
    return { shown: parsed.s, full: parsed.f };
  } catch {
    return undefined;
  }
}

export function signThinking(full: string, omitted: boolean): string {
  return seal('thinking', { shown: omitted ? '' : full, full });
}

/** True when `signature` was issued by this emulator for exactly this block text. */
export function verifyThinking(text: unknown, signature: unknown): boolean {
  const sealed = open('thinking', signature);
  return sealed !== undefined && sealed.shown === text;
}

export function redactedData(full: string): string {
  return seal('redacted', { shown: '', full });
}

export function verifyRedacted(data: unknown): boolean {
  return open('redacted', data) !== undefined;
}

/** The sealed full thinking of a signature or redacted block, for tests that check what the model got back. */
export function unsealThinking(token: string): string | undefined {
  return (open('thinking', token) ?? open('redacted', token))?.full;
}
