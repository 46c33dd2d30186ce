import { upstreamOptionsProperties, type UpstreamOptions } from 'aurora/plugins/chat-bridge';

/**
 * Options of the anthropic plugin. Everything has a default, so `anthropic()` alone serves every
 * `claude-*` model with the key from the environment.
 * The timeouts, `retry`, `pool` and `balance` are every provider's: UpstreamOptions, from the chat
 * bridge, which holds their schema too.
 */
export interface AnthropicOptions extends UpstreamOptions {
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
    ...upstreamOptionsProperties,
  },
} as const;
