import { describe, expect, it } from 'vitest';
import { createReasoningCarrier, defaultReasoningSecret } from './state.ts';

describe('reasoning carrier', () => {
  const carrier = createReasoningCarrier('test-secret');

  it('round-trips text, including unicode and the empty string', () => {
    for (const text of ['Let me list the files first.', '', '思考 🤔 "quotes"\n\\n', 'x'.repeat(100_000)]) {
      const token = carrier.seal(text, { model: 'deepseek-v4-pro' });
      expect(token.startsWith('aurora.r1.')).toBe(true);
      expect(token.slice('aurora.r1.'.length)).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(carrier.open(token)).toBe(text);
    }
  });

  it('does not leak the text and is randomised per seal', () => {
    const a = carrier.seal('secret plan', { model: 'm' });
    const b = carrier.seal('secret plan', { model: 'm' });
    expect(a).not.toBe(b);
    expect(Buffer.from(a.slice(10), 'base64url').toString('latin1')).not.toContain('secret plan');
  });

  it('tampered tokens open to undefined', () => {
    const token = carrier.seal('original reasoning', { model: 'm' });
    const bytes = Buffer.from(token.slice(10), 'base64url');
    for (const at of [0, 12, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ 0x01;
      expect(carrier.open(`aurora.r1.${copy.toString('base64url')}`)).toBeUndefined();
    }
    expect(carrier.open(token.slice(0, -4))).toBeUndefined();
    expect(carrier.open('aurora.r1.')).toBeUndefined();
    expect(carrier.open('aurora.r1.!!!')).toBeUndefined();
  });

  it('foreign tokens (real OpenAI blobs, other formats) open to undefined', () => {
    const openai = 'gAAAAABfakeEncryptedReasoningContent_b3BhcXVlLXJlYXNvbmluZy1ibG9iLXJzXzBhNzVlM2U2ZjY2YzQ1OGRiODUwMGZkMA==';
    expect(carrier.open(openai)).toBeUndefined();
    expect(carrier.open('')).toBeUndefined();
    expect(carrier.open(Buffer.from('plain text').toString('base64url'))).toBeUndefined();
    expect(carrier.open(undefined as unknown as string)).toBeUndefined();
  });

  it('a token sealed with another key opens to undefined', () => {
    const other = createReasoningCarrier('another-secret');
    expect(other.open(carrier.seal('hidden', { model: 'm' }))).toBeUndefined();
    // The same secret on another instance (another gateway process) opens it.
    expect(createReasoningCarrier('test-secret').open(carrier.seal('shared', { model: 'm' }))).toBe('shared');
  });

  it('default secret: stable for an API key, random without one', () => {
    expect(defaultReasoningSecret('sk-1')).toBe(defaultReasoningSecret('sk-1'));
    expect(defaultReasoningSecret(undefined)).not.toBe(defaultReasoningSecret(undefined));
  });
});
