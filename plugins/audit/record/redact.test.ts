import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from 'aurora';
import { DEFAULT_PREFIXED_PATTERNS, DEFAULT_SECRET_PATTERNS, REDACTED, createRedactor, redactRecord } from './redact.ts';

const redact = createRedactor(['corp-[a-z]{4}-\\d+']);

describe('createRedactor', () => {
  it.each([
    ['sk-proj-AbCdEf0123456789GhIjKl', '[redacted]'],
    ['my key is ak_0123456789ab_Zx9-Qw8_Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12', 'my key is [redacted]'],
    ['key=sk-ant-api03-abcdefghijklmnop1234', 'key=[redacted]'],
    ['Authorization: Bearer eyJhbGciOi.abc123def456', 'Authorization: Bearer [redacted]'],
    ['authorization: bearer tok_12345678abcdef', 'authorization: bearer [redacted]'],
    ['Basic dXNlcjpwYXNzd29yZA==', 'Basic [redacted]'],
    ['aws AKIAIOSFODNN7EXAMPLE here', 'aws [redacted] here'],
    ['ghp_abcdefghijklmnopqrstuvwxyz0123456789', '[redacted]'],
    ['xoxb-1234567890-abcdef', '[redacted]'],
    ['AIzaSyA-1234567890abcdefghijklmnopqrstu', '[redacted]'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcdefghijklmnop', '[redacted]'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', '[redacted]'],
    ['{"api_key":"abcd1234","password": "hunter22"}', '{"api_key":"[redacted]","password": "[redacted]"}'],
    ['{\\"client_secret\\":\\"s3cr3t-value\\"}', '{\\"client_secret\\":\\"[redacted]\\"}'],
    ['id corp-abcd-991 end', 'id [redacted] end'],
  ])('scrubs %j', (input, output) => {
    expect(redact(input)).toBe(output);
  });

  it.each([
    'task-management-system-design',
    'Bearer authentication is described in RFC 6750',
    'the risk-assessment-framework is fine',
    '{"max_tokens": 100, "token_count": 5}',
    'a mask-0123456789abcdefgh pattern', // sk- inside a word
  ])('leaves prose alone: %j', (input) => {
    expect(redact(input)).toBe(input);
  });

  it('scrubs the shortest secret each default pattern can match (the cheap pre-check must not skip them)', () => {
    const plain = createRedactor();
    const shortest: Array<[string, string]> = [
      ['"secret":"abcd', '"secret":"[redacted]'],
      ['xoxb-1234567890', '[redacted]'],
      ['Bearer 1bcdefgh', 'Bearer [redacted]'],
      ['Basic dXNlcjpwYXNzd2', 'Basic [redacted]'],
      ['sk-0123456789abcdef', '[redacted]'],
      ['AKIAIOSFODNN7EXAMPLE', '[redacted]'],
      ['eyJabcdefgh.eyJabcdefgh.abcdefgh', '[redacted]'],
    ];
    for (const [input, output] of shortest) expect(plain(input)).toBe(output);
    // user patterns apply to every string, however short
    expect(redact('corp-abcd-1')).toBe('[redacted]');
  });

  it('the cheap pre-check never changes the result (property: same as the four full passes)', () => {
    const full = (text: string) => {
      text = text.replace(new RegExp(DEFAULT_SECRET_PATTERNS.map((p) => `(?:${p})`).join('|'), 'g'), REDACTED);
      for (const p of DEFAULT_PREFIXED_PATTERNS) text = text.replace(new RegExp(p, 'g'), `$1${REDACTED}`);
      return text;
    };
    const plain = createRedactor();
    const secrets = [
      'sk-proj-AbCdEf0123456789GhIjKl', 'ak_0123456789ab_Zx9-Qw8_Er7Ty6Ui5Op4As3Df2Gh1Jk0LzXcVbNm12', 'Bearer eyJhbGciOi.abc123def456',
      'bearer tok_12345678abcdef', 'Basic dXNlcjpwYXNzd29yZA==', 'AKIAIOSFODNN7EXAMPLE', 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      'github_pat_abcdefghijklmnopqrstuvwxyz', 'xoxb-1234567890-abcdef', 'AIzaSyA-1234567890abcdefghijklmnopqrstu',
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSJ9.abcdefghijklmnop', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----',
      '"api_key":"abcd1234"', '"apikey": "abcd1234"', '"api-key":"abcd1234"', '"password": "hunter22"', '"passwd":"hunter22"',
      '"secret":"abcd"', '\\"client_secret\\":\\"s3cr3t-value\\"', '"access_token":"abcdefgh"', '"refresh_token":"abcdefgh"', '"private_key":"abcdefgh"',
    ];
    fc.assert(fc.property(fc.string(), fc.constantFrom(...secrets), fc.string(), (before, secret, after) => {
      const text = before + secret + after;
      expect(plain(text)).toBe(full(text));
    }), { numRuns: 2000 });
  });

  it('rejects patterns that do not compile or match nothing at all', () => {
    expect(() => createRedactor(['['])).toThrow(/redact\[0\] is not a valid regular expression/);
    expect(() => createRedactor(['ok', 'x?'])).toThrow(/redact\[1\].*matches the empty string/);
  });
});

describe('redactRecord', () => {
  it('returns the record itself when there is nothing to scrub, and a scrubbed copy otherwise, leaving the input alone', () => {
    const redact = createRedactor();
    const clean = { id: 'req_1', trail: { clientRequest: { headers: { 'content-type': 'application/json' }, body: { text: '{"input":"hello"}', bytes: 17, truncated: false } } }, tags: ['a', 'b'] } as unknown as AuditRecord;
    expect(redactRecord(clean, redact)).toBe(clean);
    const key = 'sk-proj-AbCdEf0123456789GhIjKl';
    const dirty = { id: 'req_2', trail: { clientRequest: { headers: { [`x-${key}`]: 'v' }, body: { text: `{"input":"my key ${key}"}`, bytes: 40, truncated: false } } }, tags: ['a', key] } as unknown as AuditRecord;
    const before = JSON.stringify(dirty);
    const out = redactRecord(dirty, redact);
    expect(JSON.stringify(out)).not.toContain(key);
    expect(JSON.stringify(out)).toContain('"x-[redacted]":"v"');
    expect((out as unknown as { tags: string[] }).tags).toEqual(['a', '[redacted]']);
    expect(JSON.stringify(dirty)).toBe(before);
  });
});

