import { describe, expect, it } from 'vitest';
import { autoDepth } from './json-tree.ts';

describe('autoDepth', () => {
  it('opens a small body fully', () => {
    expect(autoDepth({ model: 'm', input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] })).toBe(6);
  });

  it('opens a big body only as far as the budget allows', () => {
    const big = { model: 'm', input: Array.from({ length: 300 }, (_, i) => ({ role: 'user', content: [{ type: 'input_text', text: String(i) }] })) };
    // root, input and the 300 items fit; the items' own fields (600 more) do not.
    expect(autoDepth(big, 400)).toBe(2);
    expect(autoDepth(Array.from({ length: 100_000 }, () => 1))).toBe(1);
  });
});
