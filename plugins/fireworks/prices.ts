/**
 * What Fireworks serverless charges, USD per million tokens ("Input | Cached input | Output"),
 * under Fireworks' model ids; caching is automatic and free to write. Not carried: per-size rates
 * for models the page does not name. A model not listed is unpriced (docs/costs.md).
 */
import type { Price } from 'aurora';

const FIREWORKS = { source: 'https://docs.fireworks.ai/serverless/pricing', date: '2026-12-05' };

export const FIREWORKS_PRICES: Readonly<Record<string, Price>> = Object.freeze({
  'accounts/fireworks/models/kimi-k2p6': { input: 0.95, cachedInput: 0.16, output: 4, ...FIREWORKS },
  'accounts/fireworks/models/kimi-k2p5': { input: 0.6, cachedInput: 0.1, output: 3, ...FIREWORKS },
  'accounts/fireworks/models/gpt-oss-120b': { input: 0.15, cachedInput: 0.015, output: 0.6, ...FIREWORKS },
  'accounts/fireworks/models/gpt-oss-20b': { input: 0.07, cachedInput: 0.035, output: 0.3, ...FIREWORKS },
});
