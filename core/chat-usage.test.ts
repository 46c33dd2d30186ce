import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatUsageFilter } from './chat-usage.ts';
import type { Usage } from './types.ts';

const chunk = (content: string) => `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}],"usage":null}\n\n`;
const usageChunk = 'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}\n\n';
const done = 'data: [DONE]\n\n';
const stream = [chunk('Hel'), chunk('lo'), chunk(' "usage" is a word'), usageChunk, done].join('');
const expected = [chunk('Hel'), chunk('lo'), chunk(' "usage" is a word'), done].join('');

/** The bytes the client gets when the stream arrives cut at `cuts`. */
function filtered(text: string, cuts: number[]): { out: string; into: { usage: Usage | undefined } } {
  const bytes = Buffer.from(text);
  const into: { usage: Usage | undefined } = { usage: undefined };
  const filter = new ChatUsageFilter(into);
  const parts: Buffer[] = [];
  let from = 0;
  for (const at of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.length)) {
    parts.push(Buffer.from(filter.push(bytes.subarray(from, at))));
    from = at;
  }
  parts.push(Buffer.from(filter.end()));
  return { out: Buffer.concat(parts).toString(), into };
}

describe('ChatUsageFilter', () => {
  it('takes out the usage-only chunk and keeps its usage, wherever the chunks are cut', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: Buffer.byteLength(stream) }), { maxLength: 12 }), (cuts) => {
      const { out, into } = filtered(stream, cuts);
      expect(out).toBe(expected);
      expect(into.usage).toMatchObject({ input_tokens: 12, output_tokens: 5, total_tokens: 17 });
    }));
  });

  it('passes everything else as it came: other events, CRLF streams, a stream without the chunk, an unfinished event at the end', () => {
    const crlf = stream.replaceAll('\n\n', '\r\n\r\n');
    expect(filtered(crlf, [7, 100]).out).toBe(expected.replaceAll('\n\n', '\r\n\r\n'));
    expect(filtered(expected, [3, 50, 51]).out).toBe(expected);
    expect(filtered(expected, []).into.usage).toBeUndefined();
    expect(filtered(`${expected}data: {"cut`, [10]).out).toBe(`${expected}data: {"cut`);
  });
});
