/**
 * What DeepSeek charges, USD per million tokens: input on a cache miss (`input`), input on a cache
 * hit (`cachedInput`), output (thinking included: `completion_tokens` counts the reasoning
 * tokens). DeepSeek reports `prompt_tokens` = hits + misses and `prompt_cache_hit_tokens`; caching
 * is automatic and writing to the cache costs nothing apart.
 *
 * `deepseek-v4-pro` is at the price that was first a 75% discount and became its list price after
 * 2026-05-31 15:59 UTC (footnote 3 of the page). The compatibility names `deepseek-chat` and
 * `deepseek-reasoner` were retired on 2026-07-24 and are not listed. A model not listed is
 * unpriced; price it in the config's `prices` (docs/costs.md).
 */
import type { Price } from 'aurora';

const SOURCE = 'https://api-docs.deepseek.com/quick_start/pricing';
const DATE = '2026-05-22';

export const DEEPSEEK_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'deepseek-v4-flash': { input: 0.14, cachedInput: 0.0028, output: 0.28, source: SOURCE, date: DATE },
  'deepseek-v4-pro': { input: 0.435, cachedInput: 0.003625, output: 0.87, source: SOURCE, date: DATE },
});
