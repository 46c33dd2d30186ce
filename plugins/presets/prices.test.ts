/**
 * The presets' price tables, costed by hand: each figure below is worked out in its comment from
 * the table's rates (USD per million tokens), and the same request through the preset's own
 * provider (`resolveModel` → `Provider.prices`) costs the same.
 */
import { describe, expect, it } from 'vitest';
import { costOf, type Price, type Provider, type Usage } from 'aurora';
import { FIREWORKS_PRICES, MOONSHOT_PRICES, PRESETS, XAI_PRICES } from 'aurora/plugins/presets';

function usage(input: number, cached: number, output: number): Usage {
  return { input_tokens: input, cached_tokens: cached, output_tokens: output, total_tokens: input + output, reasoning_tokens: 0 };
}

/** The provider a preset routes `model` to, as the gateway would ask it. */
function providerOf(preset: string, model: string): { provider: Provider; model: string } {
  const plugin = PRESETS[preset]!({ apiKey: 'sk-test' });
  const route = plugin.resolveModel!(model, { endpoint: 'responses' } as never) as { provider: Provider; model: string } | undefined;
  if (!route) throw new Error(`${preset} does not claim ${model}`);
  return route;
}

function priceOf(preset: string, model: string): Price | undefined {
  const route = providerOf(preset, model);
  return route.provider.prices?.(route.model);
}

describe('xAI (grok-4-1-fast-reasoning: $0.20 input, $0.05 cached, $0.50 output)', () => {
  const price = XAI_PRICES['grok-4-1-fast-reasoning']!;

  it('bills cached input at the cached rate and the rest at the input rate', () => {
    // 40,000 fresh × 0.20 = 8,000; 60,000 cached × 0.05 = 3,000; 20,000 out × 0.50 = 10,000 → 21,000 / 1M
    expect(costOf(price, usage(100_000, 60_000, 20_000))).toBeCloseTo(0.021, 12);
    // the same request without a cache hit: 100,000 × 0.20 = 20,000; + 10,000 → 30,000 / 1M
    expect(costOf(price, usage(100_000, 0, 20_000))).toBeCloseTo(0.03, 12);
  });

  it('is what the xai preset’s provider prices the model at', () => {
    expect(priceOf('xai', 'grok-4-1-fast-reasoning')).toBe(price);
    expect(priceOf('xai', 'grok-4.20-0309-reasoning')).toMatchObject({ input: 2, cachedInput: 0.2, output: 6, source: 'https://docs.x.ai/developers/models' });
  });
});

describe('Fireworks (gpt-oss-20b: $0.07 input, $0.035 cached, $0.30 output)', () => {
  const model = 'accounts/fireworks/models/gpt-oss-20b';

  it('bills cached input at half the input rate', () => {
    // 200,000 fresh × 0.07 = 14,000; 800,000 cached × 0.035 = 28,000; 50,000 out × 0.30 = 15,000 → 57,000 / 1M
    expect(costOf(FIREWORKS_PRICES[model]!, usage(1_000_000, 800_000, 50_000))).toBeCloseTo(0.057, 12);
  });

  it('is found under the id the fireworks preset sends upstream, with or without its prefix', () => {
    expect(priceOf('fireworks', model)).toBe(FIREWORKS_PRICES[model]);
    expect(priceOf('fireworks', `fireworks/${model}`)).toBe(FIREWORKS_PRICES[model]);
  });
});

describe('Moonshot (kimi-k2.5: $0.60 cache miss, $0.10 cache hit, $3.00 output)', () => {
  it('bills hits and misses apart', () => {
    // 1,000 misses × 0.60 = 600; 9,000 hits × 0.10 = 900; 2,000 out × 3.00 = 6,000 → 7,500 / 1M
    expect(costOf(MOONSHOT_PRICES['kimi-k2.5']!, usage(10_000, 9_000, 2_000))).toBeCloseTo(0.0075, 12);
    // no hit: 10,000 × 0.60 = 6,000; + 6,000 → 12,000 / 1M
    expect(costOf(priceOf('moonshot', 'kimi-k2.5')!, usage(10_000, 0, 2_000))).toBeCloseTo(0.012, 12);
  });
});

describe('presets without a table', () => {
  it('leave their models unpriced, local servers included', () => {
    expect(priceOf('xai', 'grok-9')).toBeUndefined();
    expect(priceOf('groq', 'openai/gpt-oss-120b')).toBeUndefined();
    expect(priceOf('gemini', 'gemini-2.5-flash')).toBeUndefined();
    expect(priceOf('openrouter', 'openai/gpt-4.1-mini')).toBeUndefined();
    expect(priceOf('ollama', 'qwen3:8b')).toBeUndefined();
  });
});

describe('every listed price', () => {
  it('names its source page and the date it was read', () => {
    for (const table of [XAI_PRICES, MOONSHOT_PRICES, FIREWORKS_PRICES]) {
      for (const [model, price] of Object.entries(table)) {
        expect(price.source, model).toMatch(/^https:\/\//);
        expect(price.date, model).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(price.cachedInput!, model).toBeLessThan(price.input);
      }
    }
  });
});
