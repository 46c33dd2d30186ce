import { poolSchema, retryPolicySchema, type PoolTarget, type RetryPolicy } from 'aurora';

/**
 * Options of the deepseek plugin. Everything has a default, so `deepseek()` alone serves
 * DeepSeek V4 with the key from the environment.
 */

export interface DeepSeekOptions {
  /** DeepSeek API key. Default: `process.env.DEEPSEEK_API_KEY`, read in `setup()`. */
  apiKey?: string;
  /** Base URL of the Chat Completions API (the path `/chat/completions` is appended). Default `https://api.deepseek.com`. */
  baseUrl?: string;
  /**
   * Model names this plugin claims: exact names or globs where `*` matches any run of characters
   * (`deepseek-*`). Default `['deepseek-v4-pro', 'deepseek-v4-flash']`.
   */
  models?: string[];
  /** Requested model name → DeepSeek model id (e.g. `{ 'gpt-5.5': 'deepseek-v4-pro' }`). Unmapped names go upstream unchanged. */
  modelMap?: Record<string, string>;
  /**
   * Key material for the reasoning carrier (the sealed `encrypted_content` that brings DeepSeek's
   * reasoning back on the next request). Set it when several gateway instances serve one client
   * or when sessions must survive a key rotation. Default: derived (HKDF) from `apiKey`, or a random
   * value per process when there is no key.
   */
  reasoningSecret?: string;
  /** Abort with 504 when DeepSeek has not sent response headers within this many milliseconds. */
  headersTimeoutMs?: number;
  /** End a stream with response.failed when DeepSeek sends nothing for this long (ms). Default 300000. */
  idleTimeoutMs?: number;
  /** Retry failures before any response byte (unreachable, timeout, 502/503/504). Default: none. */
  retry?: RetryPolicy;
  /** Several DeepSeek keys (or compatible base URLs) to spread requests over; see the openai plugin's `pool`. */
  pool?: PoolTarget[];
  /** How requests spread over `pool`: `round-robin` (weighted, default) or `least-in-flight`. */
  balance?: 'round-robin' | 'least-in-flight';
}

/** JSON Schema (draft-07) the core validates `options` against at startup. */
export const deepseekOptionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    apiKey: { type: 'string', minLength: 1 },
    baseUrl: { type: 'string', pattern: '^https?://' },
    models: { type: 'array', items: { type: 'string', minLength: 1 } },
    modelMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
    reasoningSecret: { type: 'string', minLength: 1 },
    headersTimeoutMs: { type: 'integer', minimum: 1 },
    idleTimeoutMs: { type: 'integer', minimum: 1 },
    retry: retryPolicySchema,
    pool: poolSchema,
    balance: { enum: ['round-robin', 'least-in-flight'] },
  },
} as const;
