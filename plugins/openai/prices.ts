/**
 * What OpenAI charges, standard tier, USD per million tokens: input, cached input, output
 * (reasoning tokens are output tokens, and `output_tokens` already counts them). Each name covers
 * its dated snapshots (`gpt-4.1-mini-2025-04-14`). OpenAI's prompt caching has no write charge.
 *
 * Not carried: the higher rate of `gpt-5.5` and `gpt-5.4` for prompts over 272K tokens (such a
 * request is priced at the short-context rate, so under its bill), Batch and Flex discounts,
 * priority processing, and tool calls billed per call (web search, file search). The `-pro`
 * models take no cached input: their cached tokens (they report none) would cost the input price.
 * A model not listed is unpriced; price it in the config's `prices` (docs/costs.md).
 */
import type { Price } from 'aurora';

const SOURCE = 'https://developers.openai.com/api/docs/pricing';
const DATE = '2026-09-05';

function entries(price: Omit<Price, 'source' | 'date'>, ...models: string[]): Array<[string, Price]> {
  return models.flatMap((model) => [[model, { ...price, source: SOURCE, date: DATE }], [`${model}-20*`, { ...price, source: SOURCE, date: DATE }]] as Array<[string, Price]>);
}

export const OPENAI_PRICES: Readonly<Record<string, Price>> = Object.freeze(Object.fromEntries([
  ...entries({ input: 5, cachedInput: 0.5, output: 30 }, 'gpt-5.5'),
  ...entries({ input: 30, output: 180 }, 'gpt-5.5-pro', 'gpt-5.4-pro'),
  ...entries({ input: 2.5, cachedInput: 0.25, output: 15 }, 'gpt-5.4'),
  ...entries({ input: 0.75, cachedInput: 0.075, output: 4.5 }, 'gpt-5.4-mini'),
  ...entries({ input: 0.2, cachedInput: 0.02, output: 1.25 }, 'gpt-5.4-nano'),
  ...entries({ input: 1.75, cachedInput: 0.175, output: 14 }, 'gpt-5.2', 'gpt-5.2-codex', 'gpt-5.3-codex'),
  ...entries({ input: 21, output: 168 }, 'gpt-5.2-pro'),
  ...entries({ input: 1.25, cachedInput: 0.125, output: 10 }, 'gpt-5.1', 'gpt-5.1-codex', 'gpt-5', 'gpt-5-codex'),
  ...entries({ input: 0.25, cachedInput: 0.025, output: 2 }, 'gpt-5.1-codex-mini', 'gpt-5-mini'),
  ...entries({ input: 0.05, cachedInput: 0.005, output: 0.4 }, 'gpt-5-nano'),
  ...entries({ input: 15, output: 120 }, 'gpt-5-pro'),
  ...entries({ input: 2, cachedInput: 0.5, output: 8 }, 'gpt-4.1', 'o3'),
  ...entries({ input: 0.4, cachedInput: 0.1, output: 1.6 }, 'gpt-4.1-mini'),
  ...entries({ input: 0.1, cachedInput: 0.025, output: 0.4 }, 'gpt-4.1-nano'),
  ...entries({ input: 2.5, cachedInput: 1.25, output: 10 }, 'gpt-4o'),
  ...entries({ input: 0.15, cachedInput: 0.075, output: 0.6 }, 'gpt-4o-mini'),
  ...entries({ input: 1.1, cachedInput: 0.275, output: 4.4 }, 'o4-mini'),
]));
