import { describe, expect, it } from 'vitest';
import { CARRIER_PREFIX, openThinking, sealThinking } from './carrier.ts';

describe('thinking carrier', () => {
  it('round-trips thinking and redacted blocks with the model, exactly', () => {
    const blocks = [
      { type: 'thinking' as const, thinking: 'Let me think… “quoted” \u{1F600}', signature: 'EqQBCkYIBxgC+/=' },
      { type: 'thinking' as const, thinking: '', signature: 'sig-of-omitted-text' },
      { type: 'redacted_thinking' as const, data: 'EmwKAhgBEgy3' },
    ];
    const token = sealThinking('claude-opus-5-5', blocks);
    expect(token.startsWith(CARRIER_PREFIX)).toBe(true);
    expect(token.slice(CARRIER_PREFIX.length)).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(openThinking(token)).toEqual({ model: 'claude-opus-5-5', blocks });
  });

  it('keeps only the fields Anthropic defines', () => {
    const token = sealThinking('m', [{ type: 'thinking', thinking: 't', signature: 's', extra: 'x' } as never]);
    expect(openThinking(token)!.blocks).toEqual([{ type: 'thinking', thinking: 't', signature: 's' }]);
  });

  it('anything else is not ours: another provider, a later version, garbage, wrong shapes', () => {
    const enc = (value: unknown) => CARRIER_PREFIX + Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const token of [
      undefined, null, 42, '', 'gAAAAABo-openai-encrypted', 'aurora.r1.deepseek', 'aurora.anth2.xyz', `${CARRIER_PREFIX}%%%`,
      enc(null), enc({ b: [] }), enc({ m: 'x', b: [] }), enc({ m: 'x', b: [{ type: 'thinking', thinking: 't' }] }),
      enc({ m: 'x', b: [{ type: 'thinking', thinking: 't', signature: '' }] }), enc({ m: 'x', b: [{ type: 'tool_use' }] }),
      enc({ m: 'x', b: [{ type: 'redacted_thinking', data: 5 }] }),
    ]) {
      expect(openThinking(token), String(token)).toBeUndefined();
    }
  });
});
