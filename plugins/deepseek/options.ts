import { upstreamOptionsProperties, type UpstreamOptions } from 'aurora/plugins/chat-bridge';

/**
 * Options of the deepseek plugin. Everything has a default, so `deepseek()` alone serves
 * DeepSeek V4 with the key from the environment.
 * The timeouts, `retry`, `pool` and `balance` are every provider's: UpstreamOptions, from the chat
 * bridge, which holds their schema too.
 */
export interface DeepSeekOptions extends UpstreamOptions {
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
    ...upstreamOptionsProperties,
  },
} as const;
