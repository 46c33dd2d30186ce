import { describe, expect, it } from 'vitest';
import type { Provider } from '../types.ts';
import { usageFromJson, usageFromJsonText, usageFromSse } from '../usage.ts';
import { costOf, type Price } from './price.ts';
import { createPricing, priceTable } from './pricing.ts';

// The three billing styles, each with a price as its provider lists it (USD per million tokens).
const GPT_41_MINI: Price = { input: 0.4, cachedInput: 0.1, output: 1.6 };
const DEEPSEEK_V4_PRO: Price = { input: 0.435, cachedInput: 0.003625, output: 0.87 };
const SONNET_45: Price = { input: 3, cacheWrite: 3.75, cacheWrite1h: 6, cachedInput: 0.3, output: 15 };

describe('OpenAI: input includes cached input, output includes reasoning', () => {
  it('prices uncached input and output', () => {
    const usage = usageFromJson({ usage: { input_tokens: 1000, output_tokens: 500, total_tokens: 1500 } })!;
    // 1,000 × $0.40 + 500 × $1.60 = 400 + 800 = 1,200 per million → $0.0012
    expect(costOf(GPT_41_MINI, usage)).toBeCloseTo(0.0012, 15);
  });

  it('prices cached input at the cached rate and never adds reasoning on top of output', () => {
    const usage = usageFromJson({
      usage: { input_tokens: 10_000, input_tokens_details: { cached_tokens: 6000 }, output_tokens: 2000, output_tokens_details: { reasoning_tokens: 300 }, total_tokens: 12_000 },
    })!;
    // (10,000 − 6,000) × $0.40 + 6,000 × $0.10 + 2,000 × $1.60 = 1,600 + 600 + 3,200 = 5,400 per million → $0.0054
    expect(costOf(GPT_41_MINI, usage)).toBeCloseTo(0.0054, 15);
  });

  it('reads Chat Completions usage the same way', () => {
    const usage = usageFromJsonText('{"usage":{"prompt_tokens":10000,"completion_tokens":2000,"total_tokens":12000,"prompt_tokens_details":{"cached_tokens":6000},"completion_tokens_details":{"reasoning_tokens":300}}}')!;
    // the same counts as above → $0.0054
    expect(costOf(GPT_41_MINI, usage)).toBeCloseTo(0.0054, 15);
  });
});

describe('DeepSeek: prompt tokens = cache hits + cache misses', () => {
  it('prices a request without cache hits at the cache-miss rate', () => {
    const usage = usageFromJson({ usage: { prompt_tokens: 2000, completion_tokens: 1000, total_tokens: 3000, prompt_cache_hit_tokens: 0, prompt_cache_miss_tokens: 2000 } })!;
    // 2,000 × $0.435 + 1,000 × $0.87 = 870 + 870 = 1,740 per million → $0.00174
    expect(costOf(DEEPSEEK_V4_PRO, usage)).toBeCloseTo(0.00174, 15);
  });

  it('prices cache hits at the cache-hit rate; thinking is output', () => {
    const usage = usageFromJson({
      usage: { prompt_tokens: 100_000, prompt_cache_hit_tokens: 90_000, prompt_cache_miss_tokens: 10_000, completion_tokens: 5000, completion_tokens_details: { reasoning_tokens: 4000 }, total_tokens: 105_000 },
    })!;
    // 10,000 × $0.435 + 90,000 × $0.003625 + 5,000 × $0.87 = 4,350 + 326.25 + 4,350 = 9,026.25 per million → $0.00902625
    expect(costOf(DEEPSEEK_V4_PRO, usage)).toBeCloseTo(0.00902625, 15);
  });
});

describe('Anthropic: input excludes cache reads and writes, which have prices of their own', () => {
  it('prices input and output without the cache', () => {
    const usage = usageFromJsonText('{"usage":{"input_tokens":1200,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":800}}')!;
    expect(usage).toMatchObject({ input_tokens: 1200, cached_tokens: 0, output_tokens: 800 });
    // 1,200 × $3 + 800 × $15 = 3,600 + 12,000 = 15,600 per million → $0.0156
    expect(costOf(SONNET_45, usage)).toBeCloseTo(0.0156, 15);
  });

  it('prices a 5-minute cache write at the cache-write rate', () => {
    const usage = usageFromJsonText('{"usage":{"input_tokens":100,"cache_creation_input_tokens":10000,"cache_read_input_tokens":0,"cache_creation":{"ephemeral_5m_input_tokens":10000,"ephemeral_1h_input_tokens":0},"output_tokens":500}}')!;
    expect(usage).toMatchObject({ input_tokens: 10_100, cached_tokens: 0, cache_creation_tokens: 10_000, total_tokens: 10_600 });
    expect(usage.cache_creation_1h_tokens).toBeUndefined();
    // 100 × $3 + 10,000 × $3.75 + 500 × $15 = 300 + 37,500 + 7,500 = 45,300 per million → $0.0453
    expect(costOf(SONNET_45, usage)).toBeCloseTo(0.0453, 15);
  });

  it('prices 1-hour writes, 5-minute writes and cache reads each at their own rate', () => {
    const usage = usageFromJsonText('{"usage":{"input_tokens":50,"cache_creation_input_tokens":4000,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":3000},"output_tokens":1000}}')!;
    expect(usage).toMatchObject({ input_tokens: 24_050, cached_tokens: 20_000, cache_creation_tokens: 4000, cache_creation_1h_tokens: 3000 });
    // 50 × $3 + 1,000 × $3.75 + 3,000 × $6 + 20,000 × $0.30 + 1,000 × $15
    //   = 150 + 3,750 + 18,000 + 6,000 + 15,000 = 42,900 per million → $0.0429
    expect(costOf(SONNET_45, usage)).toBeCloseTo(0.0429, 15);
  });

  it('reads a stream: input from message_start, the final output from message_delta', () => {
    const sse = 'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":50,"cache_creation_input_tokens":4000,"cache_read_input_tokens":20000,"cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":3000},"output_tokens":1}}}\n\n'
      + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}\n\n'
      + 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1000}}\n\n'
      + 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
    const usage = usageFromSse(sse)!;
    expect(usage).toMatchObject({ input_tokens: 24_050, cached_tokens: 20_000, cache_creation_tokens: 4000, cache_creation_1h_tokens: 3000, output_tokens: 1000 });
    // the counts of the test above → $0.0429
    expect(costOf(SONNET_45, usage)).toBeCloseTo(0.0429, 15);
  });

  it('reads a stream whose message_delta carries the cumulative input counts (nulls ignored)', () => {
    const sse = 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":10,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}\n\n'
      + 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":1200,"cache_creation_input_tokens":null,"cache_read_input_tokens":0,"output_tokens":800}}\n\n';
    // the delta's counts win; its null leaves the start's 0
    expect(usageFromSse(sse)).toMatchObject({ input_tokens: 1200, output_tokens: 800, cached_tokens: 0 });
    // message_start cut off by the capture's tail: the delta alone
    expect(usageFromSse(sse.slice(sse.indexOf('event: message_delta')))).toMatchObject({ input_tokens: 1200, output_tokens: 800 });
  });
});

describe('prices', () => {
  it('bills cached tokens and cache writes at the input price when a price lists neither', () => {
    const usage = { input_tokens: 1000, cached_tokens: 400, cache_creation_tokens: 100, output_tokens: 10, total_tokens: 1010, reasoning_tokens: 0 };
    // 1,000 × $2 + 10 × $8 = 2,000 + 80 = 2,080 per million → $0.00208
    expect(costOf({ input: 2, output: 8 }, usage)).toBeCloseTo(0.00208, 15);
  });

  it('never counts more cached or written tokens than there is input', () => {
    const usage = { input_tokens: 100, cached_tokens: 150, cache_creation_tokens: 50, output_tokens: 0, total_tokens: 100, reasoning_tokens: 0 };
    // all 100 at the cached rate: 100 × $0.10 = 10 per million
    expect(costOf(GPT_41_MINI, usage)).toBeCloseTo(0.00001, 15);
  });

  it('takes the config over the provider, an exact name over a glob, and "free" as zero', () => {
    let asked = 0;
    const provider: Provider = { name: 'p', baseUrl: 'http://x', prices: (model) => (asked++, model.startsWith('known') ? { input: 1, output: 1 } : undefined) };
    const pricing = createPricing({ 'local-*': 'free', 'known-b': { input: 2, output: 2 }, 'known-*': { input: 3, output: 3 } });
    const usage = { input_tokens: 1_000_000, output_tokens: 0, total_tokens: 1_000_000, cached_tokens: 0, reasoning_tokens: 0 };
    expect(pricing.cost({ provider, model: 'local-llama' }, usage)).toBe(0);
    expect(pricing.cost({ provider, model: 'known-b' }, usage)).toBe(2);
    expect(pricing.cost({ provider, model: 'known-a' }, usage)).toBe(3);
    expect(pricing.cost({ provider, model: 'other' }, usage)).toBeUndefined();
    expect(pricing.ratesOf(provider, 'local-llama')!.price.source).toBe('config: free');
    expect(pricing.ratesOf(provider, 'known-b')!.price.source).toBe('config');
    // The config answered for three models; the provider was asked about the fourth, once, though it was priced twice.
    pricing.cost({ provider, model: 'other' }, usage);
    expect(asked).toBe(1);
  });

  it('priceTable: exact names before globs, then the first glob listed', () => {
    const lookUp = priceTable({ 'gpt-5*': { input: 1, output: 1 }, 'gpt-5.5*': { input: 2, output: 2 }, 'gpt-5.5': { input: 5, output: 30 } });
    expect(lookUp('gpt-5.5')?.input).toBe(5);
    expect(lookUp('gpt-5.5-2026-04-23')?.input).toBe(1);
    expect(lookUp('gpt-4.1')).toBeUndefined();
  });
});
