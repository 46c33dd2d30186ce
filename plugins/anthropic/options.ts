import { poolSchema, retryPolicySchema, type PoolTarget, type RetryPolicy } from 'aurora';

/**
 * Options of the anthropic plugin. Everything has a default, so `anthropic()` alone serves every
 * `claude-*` model with the key from the environment.
 */
export interface AnthropicOptions {
  /** Plugin and provider name (logs, errors, audit records). Default `anthropic`. */
  name?: string;
  /** Anthropic API key, sent as `x-api-key`. Default: `process.env.ANTHROPIC_API_KEY`, read in `setup()`. */
  apiKey?: string;
  /** Base URL of the Messages API, version prefix included (`/messages` is appended). Default `https://api.anthropic.com/v1`. */
  baseUrl?: string;
  /** Model names or `*` globs this plugin claims. Default `['claude-*']`. */
  models?: string[];
  /** Requested model name → Claude model id (e.g. `{ 'gpt-5.5': 'claude-opus-5-5' }`); its keys are claimed too. */
  modelMap?: Record<string, string>;
  /** `anthropic-version` sent when the client sent none. Default `2023-06-01`. */
  apiVersion?: string;
  /**
   * `max_tokens` when the client sets no `max_output_tokens` (the Messages API requires it): one
   * number for every model, or model globs → number, checked before the built-in table (README.md).
   */
  maxTokens?: number | Record<string, number>;
  /** Abort with 504 when Anthropic has not sent response headers within this many milliseconds. Default 300000. */
  headersTimeoutMs?: number;
  /** End a stream with response.failed when Anthropic sends nothing for this long (ms). Default 300000. */
  idleTimeoutMs?: number;
  /** Retry failures before any response byte (unreachable, timeout, 502/503/504). Default: none. */
  retry?: RetryPolicy;
  /** Several Anthropic keys (or base URLs) to spread requests over; a refused (401) or throttled key is set aside (docs/routing.md). */
  pool?: PoolTarget[];
  /** How requests spread over `pool`: `round-robin` (weighted, default) or `least-in-flight`. */
  balance?: 'round-robin' | 'least-in-flight';
}

export const DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
export const DEFAULT_MODELS = ['claude-*'];
export const DEFAULT_API_VERSION = '2023-06-01';
export const API_KEY_ENV = 'ANTHROPIC_API_KEY';

/** JSON Schema (draft-07) the core validates `options` against at startup. */
export const anthropicOptionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1 },
    apiKey: { type: 'string', minLength: 1 },
    baseUrl: { type: 'string', pattern: '^https?://' },
    models: { type: 'array', items: { type: 'string', minLength: 1 } },
    modelMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    apiVersion: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    maxTokens: {
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'object', additionalProperties: { type: 'integer', minimum: 1 } },
      ],
    },
    headersTimeoutMs: { type: 'integer', minimum: 1 },
    idleTimeoutMs: { type: 'integer', minimum: 1 },
    retry: retryPolicySchema,
    pool: poolSchema,
    balance: { enum: ['round-robin', 'least-in-flight'] },
  },
} as const;
