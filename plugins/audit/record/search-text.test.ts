import { describe, expect, it } from 'vitest';
import { ANSWER_CHARS, PROMPT_CHARS, lastUserText, searchTextOf } from './search-text.ts';
import { makeRecord } from './test-record.ts';

describe('searchTextOf', () => {
  it('the last user message and the answer, lowercased and bounded', () => {
    const text = searchTextOf(makeRecord({ prompt: 'Hello ' + 'p'.repeat(1000), answer: 'World ' + 'a'.repeat(1000) }));
    expect(text.startsWith('hello ppp')).toBe(true);
    expect(text).toContain('\nworld aaa');
    expect(text.length).toBeLessThanOrEqual(PROMPT_CHARS + ANSWER_CHARS + 1);
  });

  it('an upstream error message the client received', () => {
    const record = makeRecord({ status: 429 });
    record.trail!.clientResponse = { status: 429, headers: { 'content-type': 'application/json' }, body: { text: '{"error":{"message":"Slow Down please"}}', bytes: 40, truncated: false } };
    expect(searchTextOf(record)).toContain('slow down please');
  });
});

describe('lastUserText', () => {
  it('reads Responses input items and Chat messages', () => {
    const responses = { input: [{ role: 'user', content: [{ type: 'input_text', text: 'first' }] }, { type: 'function_call_output', output: 'x' }, { role: 'user', content: [{ type: 'input_text', text: 'second' }] }, { role: 'assistant', content: 'no' }] };
    expect(lastUserText(JSON.stringify(responses))).toBe('second');
    expect(lastUserText(JSON.stringify({ messages: [{ role: 'system', content: 's' }, { role: 'user', content: 'chat text' }] }))).toBe('chat text');
    expect(lastUserText('{"input": "cut off')).toBe('{"input": "cut off');
  });
});
