import { describe, expect, it } from 'vitest';
import { createScrubbing } from './secret-scrubber.ts';

const KEY = 'sk-provider-0123456789';
const enc = (s: string) => Buffer.from(s);
const text = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString('utf8');

describe('secret scrubbing of a body on its way out', () => {
  it('masks a secret inside one chunk, keeping the body length', () => {
    const scrubber = createScrubbing([KEY]).stream();
    const body = `{"note":"called with ${KEY}"}`;
    const out = text([scrubber.push(enc(body)), scrubber.end()]);
    expect(out).not.toContain(KEY);
    expect(out).toContain('[redacted]');
    expect(out.length).toBe(body.length);
  });

  it('masks a secret split over chunks at every possible point', () => {
    const body = `data: {"a":"${KEY}"}\n\n`;
    for (let cut = 1; cut < body.length; cut++) {
      const scrubber = createScrubbing([KEY]).stream();
      const out = text([scrubber.push(enc(body.slice(0, cut))), scrubber.push(enc(body.slice(cut))), scrubber.end()]);
      expect(out, `cut at ${cut}`).not.toContain(KEY);
      expect(out.length).toBe(body.length);
    }
  });

  it('holds nothing back when a chunk cannot end in the start of a secret (an SSE event)', () => {
    const scrubber = createScrubbing([KEY]).stream();
    const event = enc('event: x\ndata: {"s":"sk"}\n\n');
    expect(scrubber.push(event).byteLength).toBe(event.byteLength);
  });

  it('holds back the bytes that may begin a secret, and gives them back at the end when they did not', () => {
    const scrubber = createScrubbing([KEY]).stream();
    expect(text([scrubber.push(enc('tail is sk-pro'))])).toBe('tail is ');
    expect(text([scrubber.push(enc('se and more'))])).toBe('sk-prose and more');
    expect(text([scrubber.push(enc('... sk-'))])).toBe('... ');
    expect(text([scrubber.end()])).toBe('sk-');
  });

  it('never writes into the chunk it was handed (it may be the upstream\'s buffer)', () => {
    const scrubber = createScrubbing([KEY]).stream();
    const chunk = enc(`x ${KEY} y`);
    scrubber.push(chunk);
    expect(chunk.toString()).toContain(KEY);
  });

  it('ignores secrets too short to tell from ordinary text', () => {
    expect(createScrubbing(['short']).active).toBe(false);
    expect(createScrubbing([KEY]).text(`a ${KEY} b`)).toBe('a [redacted] b');
  });
});
