/**
 * Prices, in US dollars per million tokens, and what a request costs at one.
 *
 * The core reads usage in one shape (core/usage.ts) whatever the provider reports: `input_tokens`
 * counts every input token — those read from a prompt cache (`cached_tokens`) and those written to
 * one (`cache_creation_tokens`, Anthropic) included — and `output_tokens` counts every generated
 * token, reasoning and thinking included (all three providers bill them as output). So one
 * formula prices every provider:
 *
 *   fresh  = input − cached − written
 *   cost   = ( fresh × input price
 *            + cached × cachedInput price                     (OpenAI cached input, DeepSeek cache hit, Anthropic cache read)
 *            + (written − written1h) × cacheWrite price       (Anthropic 5-minute cache write)
 *            + written1h × cacheWrite1h price                 (Anthropic 1-hour cache write)
 *            + output × output price ) / 1,000,000
 *
 * A price leaves out what a provider does not charge apart: no `cachedInput` bills cached tokens
 * at the input price, no `cacheWrite` bills written tokens at the input price.
 */
import type { Usage } from '../types.ts';

/** USD per million tokens. */
export interface Price {
  /** Input tokens read neither from nor into a cache (DeepSeek: cache miss). */
  input: number;
  /** Generated tokens, reasoning and thinking included. */
  output: number;
  /** Input tokens read from a prompt cache (OpenAI cached input, DeepSeek cache hit, Anthropic cache read). Default: `input`. */
  cachedInput?: number;
  /** Input tokens written to a prompt cache with the 5-minute lifetime (Anthropic). Default: `input`. */
  cacheWrite?: number;
  /** Input tokens written to a prompt cache with the 1-hour lifetime (Anthropic). Default: `cacheWrite`. */
  cacheWrite1h?: number;
  /** Where the figures come from (a URL, or `config`). */
  source?: string;
  /** When the figures were read from `source` (ISO 8601 date). */
  date?: string;
}

/** A price as the config takes it: a `Price`, or `'free'` for a model that costs nothing (self-hosted). */
export type PriceSetting = Price | 'free';

export const FREE: Readonly<Price> = Object.freeze({ input: 0, output: 0, source: 'config: free' });

/** A price with its defaults filled in, ready to cost requests (one per model, made once). */
export class Rates {
  readonly input: number;
  readonly output: number;
  readonly cachedInput: number;
  readonly cacheWrite: number;
  readonly cacheWrite1h: number;

  constructor(readonly price: Readonly<Price>) {
    this.input = price.input;
    this.output = price.output;
    this.cachedInput = price.cachedInput ?? price.input;
    this.cacheWrite = price.cacheWrite ?? price.input;
    this.cacheWrite1h = price.cacheWrite1h ?? this.cacheWrite;
  }

  /** USD for one request's usage (the formula above). */
  cost(usage: Usage): number {
    const input = count(usage.input_tokens);
    const cached = Math.min(count(usage.cached_tokens), input);
    const written = Math.min(count(usage.cache_creation_tokens), input - cached);
    const written1h = Math.min(count(usage.cache_creation_1h_tokens), written);
    const fresh = input - cached - written;
    return (fresh * this.input
      + cached * this.cachedInput
      + (written - written1h) * this.cacheWrite
      + written1h * this.cacheWrite1h
      + count(usage.output_tokens) * this.output) / 1_000_000;
  }
}

/** What `usage` costs at `price`, in USD. */
export function costOf(price: Readonly<Price>, usage: Usage): number {
  return new Rates(price).cost(usage);
}

function count(value: number | undefined): number {
  return typeof value === 'number' && value > 0 && Number.isFinite(value) ? value : 0;
}

const rate = { type: 'number', minimum: 0, maximum: 1_000_000, description: 'USD per million tokens' };

/** The JSON schema of one entry of the config's `prices`. */
export const priceSettingSchema = {
  anyOf: [
    { const: 'free' },
    {
      type: 'object',
      properties: {
        input: rate,
        output: rate,
        cachedInput: rate,
        cacheWrite: rate,
        cacheWrite1h: rate,
        source: { type: 'string' },
        date: { type: 'string' },
      },
      required: ['input', 'output'],
      additionalProperties: false,
    },
  ],
};

/** The config's `prices`: model names or `*` globs → a price or `'free'`. */
export const pricesSchema = {
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 200 },
  additionalProperties: priceSettingSchema,
};
