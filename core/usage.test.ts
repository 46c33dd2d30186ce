import { describe, expect, it } from 'vitest';
import { usageFromJsonText, usageFromSse } from './usage.ts';

describe('usage', () => {
  it('reads Responses usage from the last usage object only, strings with braces included', () => {
    const body = JSON.stringify({ output: [{ content: [{ text: 'a "usage": {"x": } tricky' }] }], usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 4 }, output_tokens: 3, output_tokens_details: { reasoning_tokens: 1 }, total_tokens: 13 } });
    expect(usageFromJsonText(body)).toEqual({ input_tokens: 10, output_tokens: 3, total_tokens: 13, cached_tokens: 4, reasoning_tokens: 1 });
  });

  it('reads Chat usage with DeepSeek cache hits, and null when there is none', () => {
    expect(usageFromJsonText('{"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"prompt_cache_hit_tokens":3}}')).toMatchObject({ input_tokens: 5, cached_tokens: 3, total_tokens: 7 });
    expect(usageFromJsonText('{"usage": null}')).toBeNull();
    expect(usageFromJsonText('{"id":"x"}')).toBeNull();
  });

  it('reads a stream tail: the completed event, skipping earlier null usages', () => {
    const sse = 'event: response.created\ndata: {"type":"response.created","response":{"usage":null}}\n\n'
      + 'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":2,"output_tokens":1,"total_tokens":3}}}\n\n';
    expect(usageFromSse(sse)).toMatchObject({ input_tokens: 2, output_tokens: 1 });
    expect(usageFromSse('data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1}}\n\ndata: [DONE]\n\n')).toMatchObject({ input_tokens: 9, total_tokens: 10 });
  });
});
