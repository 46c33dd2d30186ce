/**
 * Secret scrubbing on top of the core's (which already replaces the gateway's own keys, the keys a
 * client presented and credential headers): strings that look like keys, and the user's patterns.
 * Runs over every string of a record before anything is kept, listed, tailed or written.
 */
import type { AuditRecord } from 'aurora';

export const REDACTED = '[redacted]';

/**
 * Shapes of credentials that may sit in bodies (a pasted key, a curl line in a tool call). Each
 * is anchored or needs a digit, so ordinary prose ("task-management", "Bearer authentication") stays.
 */
export const DEFAULT_SECRET_PATTERNS: readonly string[] = [
  // Aurora's own managed keys (ak_<12 hex id>_<secret>): a user may paste one into a prompt
  String.raw`(?<![A-Za-z0-9])ak_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}`,
  // OpenAI, DeepSeek, Anthropic (sk-ant-…) style keys
  String.raw`(?<![A-Za-z0-9])sk-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}`,
  // AWS access key id, GitHub, Slack and Google keys
  String.raw`\bAKIA[0-9A-Z]{16}\b`,
  String.raw`\bgh[pousr]_[A-Za-z0-9]{36,}`,
  String.raw`\bgithub_pat_[A-Za-z0-9_]{22,}`,
  String.raw`\bxox[abposr]-[A-Za-z0-9-]{10,}`,
  String.raw`\bAIza[0-9A-Za-z_-]{35}`,
  // JWTs
  String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`,
  // PEM private keys
  String.raw`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----`,
];

/**
 * Secrets known by what precedes them; the first group is that context and is kept. (A capture,
 * not a lookbehind: a lookbehind is tried at every position, 25x slower over a 1 MB body.)
 */
export const DEFAULT_PREFIXED_PATTERNS: readonly string[] = [
  // the token after Bearer/Basic, wherever it is written (headers in a curl line, a config file)
  String.raw`(\b[Bb]earer\s+)(?=[A-Za-z0-9._~+/-]*\d)[A-Za-z0-9._~+/-]{8,}=*`,
  String.raw`(\b[Bb]asic\s+)[A-Za-z0-9+/]{12,}=*`,
  // the value of a JSON field named like a credential, also inside an escaped JSON string (\"password\":\"…\")
  String.raw`("(?:api[_-]?key|apikey|password|passwd|secret|client_secret|access_token|refresh_token|private_key)\\?"\s*:\s*\\?")[^"\\]{4,}`,
];

export type Redact = (text: string) => string;

/**
 * Every default pattern needs one of these literals and at least MIN_SECRET_CHARS characters
 * (`"secret":"abcd` is the shortest match). One cheap scan rules out nearly every string of a
 * record — header names and values, ids, ordinary bodies — before the four full passes: redaction
 * was the largest part of audit's cost per request (bench profile). Keep it in step with the
 * patterns (the credential field names come from the last prefixed one).
 */
const DEFAULT_HINT = /ak_|sk-|AKIA|gh[pousr]_|github_pat_|xox|AIza|eyJ|-----BEGIN|[Bb]earer|[Bb]asic|api[_-]?key|passw|secret|access_token|refresh_token|private_key/;
const MIN_SECRET_CHARS = 14;

/**
 * Compile the default patterns plus `extra` (regular-expression sources). Throws on a pattern that
 * does not compile or matches the empty string (it would redact between every character).
 */
export function createRedactor(extra: readonly string[] = []): Redact {
  const defaults: Array<[RegExp, string]> = [
    [new RegExp(DEFAULT_SECRET_PATTERNS.map((p) => `(?:${p})`).join('|'), 'g'), REDACTED],
    ...DEFAULT_PREFIXED_PATTERNS.map((p): [RegExp, string] => [new RegExp(p, 'g'), `$1${REDACTED}`]),
  ];
  const users: RegExp[] = [];
  extra.forEach((source, i) => {
    let re: RegExp;
    try {
      re = new RegExp(source, 'g');
    } catch (err) {
      throw new Error(`redact[${i}] is not a valid regular expression: ${(err as Error).message}`);
    }
    if (new RegExp(source).test('')) throw new Error(`redact[${i}] (${JSON.stringify(source)}) matches the empty string`);
    users.push(re);
  });
  return (text) => {
    if (text.length >= MIN_SECRET_CHARS && DEFAULT_HINT.test(text)) {
      for (const [re, replacement] of defaults) text = text.replace(re, replacement);
    }
    for (const re of users) text = text.replace(re, REDACTED);
    return text;
  };
}

/** A copy of `record` with every string scrubbed (keys of objects included: header names are data too). */
export function redactRecord(record: AuditRecord, redact: Redact): AuditRecord {
  // A passthrough trail holds each body twice (client's and upstream's copy): scan it once.
  const seen = new Map<string, string>();
  const once: Redact = (text) => {
    if (text.length < BODY_CHARS) return redact(text);
    let clean = seen.get(text);
    if (clean === undefined) seen.set(text, (clean = redact(text)));
    return clean;
  };
  return redactValue(record, once) as AuditRecord;
}

const BODY_CHARS = 256;

/**
 * `value` itself when nothing in it changes (nearly always: secrets are rare), else a copy with the
 * changed parts replaced. Copying every object of every record was most of redaction's
 * allocations, paid again by the garbage collector.
 */
function redactValue(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = redactValue(value[i], redact);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return out ?? value;
  }
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const k in record) {
      const key = redact(k);
      const v = redactValue(record[k], redact);
      if (key === k && v === record[k]) continue;
      out ??= { ...record };
      if (key !== k) delete out[k];
      out[key] = v;
    }
    return out ?? value;
  }
  return value;
}
