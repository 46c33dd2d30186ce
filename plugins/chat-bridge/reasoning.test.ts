import { describe, expect, it } from 'vitest';
import { ThinkTagSplitter, consolidateDetails, splitThinkTags } from './reasoning.ts';

/** Feeds `text` cut into every piece size from 1 to 7, and checks what comes out is the same. */
function splitAll(text: string, size: number) {
  const splitter = new ThinkTagSplitter();
  let reasoning = '';
  let answer = '';
  for (let i = 0; i < text.length; i += size) {
    const piece = splitter.push(text.slice(i, i + size));
    reasoning += piece.reasoning;
    answer += piece.text;
  }
  const rest = splitter.flush();
  return { reasoning: reasoning + rest.reasoning, text: answer + rest.text };
}

describe('think tags', () => {
  const cases: Array<[string, string, string]> = [
    ['<think>\nI plan.\n</think>\n\nThe answer.', 'I plan.', 'The answer.'],
    ['  <think>a < b, so </thin is not the end</think>ok', 'a < b, so </thin is not the end', 'ok'],
    ['No thinking here, and <think> later is quoted.', '', 'No thinking here, and <think> later is quoted.'],
    ['<thinking-style text without the tag', '', '<thinking-style text without the tag'],
    ['<think>cut off before the end', 'cut off before the end', ''],
    ['<think></think>only the answer', '', 'only the answer'],
    ['', '', ''],
  ];

  it.each(cases)('%j splits the same whatever the chunking', (text, reasoning, answer) => {
    expect(splitThinkTags(text)).toEqual({ reasoning, text: answer });
    for (let size = 1; size <= 7; size++) expect(splitAll(text, size)).toEqual({ reasoning, text: answer });
  });
});

describe('reasoning_details', () => {
  it('merges streamed pieces per index: text joined, the signature kept, empty encrypted blocks dropped', () => {
    const pieces = [
      { type: 'reasoning.text', text: 'Let me ', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.text', text: 'think.', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.text', signature: 'sig', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: '', index: 1 },
      { type: 'reasoning.encrypted', data: 'opaque', id: 'call_1', format: 'google-gemini-v1', index: 1 },
    ];
    expect(consolidateDetails(pieces)).toEqual([
      { type: 'reasoning.text', text: 'Let me think.', signature: 'sig', format: 'anthropic-claude-v1', index: 0 },
      { type: 'reasoning.encrypted', data: 'opaque', id: 'call_1', format: 'google-gemini-v1', index: 1 },
    ]);
  });
});
