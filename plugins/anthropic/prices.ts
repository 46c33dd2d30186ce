/**
 * What Anthropic charges, USD per million tokens: base input, 5-minute cache writes, 1-hour cache
 * writes, cache reads (hits and refreshes), output (thinking included: `output_tokens` counts it).
 * Anthropic reports `input_tokens` without the cache: cache writes come as
 * `cache_creation_input_tokens` (split by lifetime in `cache_creation`), cache reads as
 * `cache_read_input_tokens`; the core adds them into one input count (core/usage.ts).
 *
 * Each name covers its dated snapshots (`claude-sonnet-4-5-20250929`). Not carried: the Batch
 * discount, data-residency (`inference_geo`) and fast-mode rates, long-context rates of older
 * models, and server tools billed per call (web search). The Claude 5 generation (Opus 5 and 5.5,
 * Sonnet 5 and 5.5, Haiku 5.5, Fable, Mythos) is not listed: set its prices in the config's
 * `prices` from the page (docs/costs.md); until then its requests are unpriced.
 */
import type { Price } from 'aurora';

const SOURCE = 'https://platform.claude.com/docs/en/about-claude/pricing';
const DATE = '2026-05-29';

/** As the page's table lists them: base input, 5m cache writes, 1h cache writes, cache hits, output (1.25×, 2× and 0.1× the input). */
function claude(input: number, cacheWrite: number, cacheWrite1h: number, cachedInput: number, output: number): Price {
  return { input, cacheWrite, cacheWrite1h, cachedInput, output, source: SOURCE, date: DATE };
}

export const ANTHROPIC_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'claude-opus-4-8*': claude(5, 6.25, 10, 0.5, 25),
  'claude-opus-4-7*': claude(5, 6.25, 10, 0.5, 25),
  'claude-opus-4-6*': claude(5, 6.25, 10, 0.5, 25),
  'claude-opus-4-5*': claude(5, 6.25, 10, 0.5, 25),
  'claude-opus-4-1*': claude(15, 18.75, 30, 1.5, 75),
  'claude-opus-4-0*': claude(15, 18.75, 30, 1.5, 75),
  'claude-opus-4-2*': claude(15, 18.75, 30, 1.5, 75), // claude-opus-4-20250514
  'claude-sonnet-4-6*': claude(3, 3.75, 6, 0.3, 15),
  'claude-sonnet-4-5*': claude(3, 3.75, 6, 0.3, 15),
  'claude-sonnet-4-0*': claude(3, 3.75, 6, 0.3, 15),
  'claude-sonnet-4-2*': claude(3, 3.75, 6, 0.3, 15), // claude-sonnet-4-20250514
  'claude-3-7-sonnet*': claude(3, 3.75, 6, 0.3, 15),
  'claude-haiku-4-5*': claude(1, 1.25, 2, 0.1, 5),
  'claude-3-5-haiku*': claude(0.8, 1, 1.6, 0.08, 4),
  'claude-3-haiku*': claude(0.25, 0.3, 0.5, 0.03, 1.25),
});
