/**
 * Which price a request pays: the config's `prices` first (an operator's override: an internal
 * rate, a self-hosted model that is `free`), then the table of the provider that served it
 * (`Provider.prices`), else none — the request is `unpriced`, never free. Looked up once per
 * provider and model, then kept: the request path pays a Map lookup and a few multiplications.
 */
import { compileModelPatterns } from '../patterns.ts';
import type { Provider, Route, Usage } from '../types.ts';
import { FREE, Rates, type Price, type PriceSetting } from './price.ts';

export interface Pricing {
  /** The price of `model` (the name sent upstream) as served by `provider`; undefined when it has none. */
  ratesOf(provider: Provider, model: string): Rates | undefined;
  /** USD for one request of `route`, or undefined when its model has no price. */
  cost(route: Route, usage: Usage): number | undefined;
}

/**
 * Models remembered per provider. A catch-all provider routes whatever name a client sends, so
 * past this many the lookup runs each time instead of growing the map.
 */
const MAX_MODELS_PER_PROVIDER = 1000;

export function createPricing(overrides: Readonly<Record<string, PriceSetting>> = {}): Pricing {
  const configured = priceTable(Object.fromEntries(Object.entries(overrides).map(([model, setting]) => [model, setting === 'free' ? FREE : { source: 'config', ...setting }])));
  const known = new WeakMap<Provider, Map<string, Rates | null>>();

  function lookUp(provider: Provider, model: string): Rates | null {
    const price = configured(model) ?? provider.prices?.(model);
    return price ? new Rates(price) : null;
  }

  function ratesOf(provider: Provider, model: string): Rates | undefined {
    let models = known.get(provider);
    if (!models) known.set(provider, (models = new Map()));
    let rates = models.get(model);
    if (rates === undefined) {
      rates = lookUp(provider, model);
      if (models.size < MAX_MODELS_PER_PROVIDER) models.set(model, rates);
    }
    return rates ?? undefined;
  }

  return {
    ratesOf,
    cost: (route, usage) => ratesOf(route.provider, route.model)?.cost(usage),
  };
}

/**
 * A provider's price table as `Provider.prices`: model names and `*` globs → price. An exact name
 * wins over a glob; among globs the first listed wins. Compiled once.
 */
export function priceTable(table: Readonly<Record<string, Price>>): (model: string) => Price | undefined {
  const entries = Object.entries(table);
  const exact = new Map(entries.filter(([model]) => !model.includes('*')));
  const globs = entries.filter(([model]) => model.includes('*')).map(([model, price]) => ({ matches: compileModelPatterns([model]), price }));
  return (model) => exact.get(model) ?? globs.find((g) => g.matches(model))?.price;
}
