/**
 * What xAI charges, USD per million tokens, as its models page lists them ("Pricing [in (cached
 * in) / out]"): input, input read from its automatic prompt cache (`cachedInput`, no charge for
 * writing it), output (reasoning included). Not carried: the rate above 200K prompt tokens, Batch
 * discounts, server-side tools billed per call. A model not listed is unpriced (docs/costs.md).
 */
import type { Price } from 'aurora';

const XAI = { source: 'https://docs.x.ai/developers/models', date: '2026-12-05' };

export const XAI_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'grok-4.20-0309-reasoning': { input: 2, cachedInput: 0.2, output: 6, ...XAI },
  'grok-4.20-0309-non-reasoning': { input: 2, cachedInput: 0.2, output: 6, ...XAI },
  'grok-4.20-multi-agent-0309': { input: 2, cachedInput: 0.2, output: 6, ...XAI },
  'grok-4-1-fast-reasoning': { input: 0.2, cachedInput: 0.05, output: 0.5, ...XAI },
  'grok-4-1-fast-non-reasoning': { input: 0.2, cachedInput: 0.05, output: 0.5, ...XAI },
});
