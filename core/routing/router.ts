/**
 * The routing section of the config: model aliases, fallback chains and how long attempts may
 * take. Compiled once at start; checked against the plugins (every alias target and fallback
 * must be a model some plugin serves, and aliases may not loop) before the gateway serves.
 */
import { StartupError } from '../errors.ts';
import { compileModelPatterns } from '../patterns.ts';
import type { BreakerOptions } from './breakers.ts';

export interface RoutingOptions {
  /** Client-facing names for served models: `{ 'codex-default': 'deepseek-v4-pro' }`. An alias may name another alias. */
  aliases?: Record<string, string>;
  /**
   * Model (name or `*` glob) → the models to try next, in order, when it fails before its answer
   * started: a connection error, no response headers in time, 429, 5xx, a refused provider key.
   * Never after a byte reached the client, never for another 4xx (the request itself is at fault).
   * `{ 'deepseek-*': ['gpt-5.5'] }`. The first matching entry applies; a fallback's own entry does not.
   */
  fallbacks?: Record<string, string[]>;
  /** Circuit breakers per upstream target (a provider's base URL and key). */
  breaker?: BreakerOptions;
  /**
   * How long an attempt that has another one after it waits for response headers (ms). A non-stream
   * answer sends its headers only when it is whole: raise this if such answers take longer. Default 30 s.
   */
  attemptTimeoutMs?: number;
  /** The longest a client waits for its answer to start, across every attempt (ms). Default 300 s. */
  budgetMs?: number;
}

export const routingSchema = {
  type: 'object',
  properties: {
    aliases: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    fallbacks: { type: 'object', additionalProperties: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } } },
    breaker: {
      type: 'object',
      properties: { failures: { type: 'integer', minimum: 1 }, openMs: { type: 'integer', minimum: 1 } },
      additionalProperties: false,
    },
    attemptTimeoutMs: { type: 'integer', minimum: 1 },
    budgetMs: { type: 'integer', minimum: 1 },
  },
  additionalProperties: false,
};

export interface Router {
  /** The model an alias stands for (itself when it is not an alias). */
  served(model: string): string;
  /** The models to try after `model`, in order (empty: no fallback). */
  fallbacksOf(model: string): readonly string[];
  readonly attemptTimeoutMs: number;
  readonly budgetMs: number;
  readonly aliases: Readonly<Record<string, string>>;
  readonly fallbacks: Readonly<Record<string, readonly string[]>>;
  /** Every model the config names as a target (alias targets, fallbacks), with where it is named. */
  named(): Array<{ model: string; where: string }>;
}

const NONE: readonly string[] = [];

export function createRouter(options: RoutingOptions = {}): Router {
  const aliases = options.aliases ?? {};
  const fallbacks = options.fallbacks ?? {};
  for (const start of Object.keys(aliases)) {
    const seen = [start];
    for (let at = aliases[start]!; Object.hasOwn(aliases, at); at = aliases[at]!) {
      if (seen.includes(at)) {
        throw new StartupError('AURORA_ERR_CONFIG_INVALID', `routing.aliases: ${[...seen, at].join(' → ')} is a cycle; an alias must end at a model a plugin serves`);
      }
      seen.push(at);
    }
  }
  const rules = Object.entries(fallbacks).map(([pattern, chain]) => ({ matches: compileModelPatterns([pattern]), chain }));
  return {
    served(model) {
      let at = model;
      while (Object.hasOwn(aliases, at)) at = aliases[at]!;
      return at;
    },
    fallbacksOf(model) {
      if (rules.length === 0) return NONE;
      return rules.find((r) => r.matches(model))?.chain ?? NONE;
    },
    attemptTimeoutMs: options.attemptTimeoutMs ?? 30_000,
    budgetMs: options.budgetMs ?? 300_000,
    aliases,
    fallbacks,
    named() {
      const out: Array<{ model: string; where: string }> = [];
      for (const [alias, target] of Object.entries(aliases)) if (!Object.hasOwn(aliases, target)) out.push({ model: target, where: `routing.aliases['${alias}']` });
      for (const [pattern, chain] of Object.entries(fallbacks)) chain.forEach((model, i) => out.push({ model, where: `routing.fallbacks['${pattern}'][${i}]` }));
      return out;
    },
  };
}
