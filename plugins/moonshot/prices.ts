/**
 * What Moonshot charges for Kimi, USD per million tokens: "Input Price (Cache Miss)" → `input`,
 * "(Cache Hit)" → `cachedInput`, output (thinking included); caching is automatic and free to
 * write. Not carried: tools billed per call (`$web_search`). A model not listed is unpriced
 * (docs/costs.md).
 */
import type { Price } from 'aurora';

/** The figures are those of the page as archived on 2026-03-26 (megalodon.jp); kimi-k2.5 is at this price on Fireworks' page too. */
const MOONSHOT = { source: 'https://platform.moonshot.ai/docs/pricing/chat', date: '2026-12-05' };

export const MOONSHOT_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'kimi-k2.5': { input: 0.6, cachedInput: 0.1, output: 3, ...MOONSHOT },
});
