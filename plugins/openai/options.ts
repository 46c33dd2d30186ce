import { OPENAI_API_FAMILIES, poolSchema, retryPolicySchema, type ApiFamily, type PoolTarget, type RetryPolicy } from 'aurora';

export interface OpenAIOptions {
  /** Shown in logs, audit records and errors; set it when you add several OpenAI-compatible upstreams. Default 'openai'. */
  name?: string;
  /** The upstream's base URL, including its version prefix. Default https://api.openai.com/v1. */
  baseUrl?: string;
  /** The provider key sent upstream instead of the client's. Default: the OPENAI_API_KEY environment variable. */
  apiKey?: string;
  /** The environment variable named in the error when no key is set. Default OPENAI_API_KEY. */
  apiKeyEnv?: string;
  /** Model names or `*` globs this upstream serves. Unset: every model no other plugin claimed, and GET /v1/models. */
  models?: string[];
  /** Give up with 504 when the upstream has not sent headers after this long (ms). Default 300000. */
  headersTimeoutMs?: number;
  /** End a stream with response.failed when the upstream sends nothing for this long (ms). Default 300000. */
  idleTimeoutMs?: number;
  /** Retry failures before any response byte (unreachable, timeout, 502/503/504). Default: none. */
  retry?: RetryPolicy;
  /** Open connections kept to the upstream for reuse. Default 256. */
  maxSockets?: number;
  /**
   * Several keys and/or base URLs for the same models (keys of one account, regions, replicas):
   * requests are spread over them, and a target whose key is refused or throttled is set aside
   * for a while. A target leaves out what it shares with the plugin's `baseUrl` / `apiKey`.
   */
  pool?: PoolTarget[];
  /** How requests spread over `pool`: `round-robin` (weighted, default) or `least-in-flight`. */
  balance?: 'round-robin' | 'least-in-flight';
  /**
   * Model globs that do not reason and refuse `reasoning` (OpenAI answers 400). A request the core
   * translated from another API (Claude Code always states its thinking) goes to them without it;
   * a Responses client's own request is passed as sent. Default: `gpt-4*`, `gpt-3.5*`, `chatgpt-*`.
   */
  withoutReasoning?: string[];
  /**
   * The rest of the OpenAI API (docs/endpoints.md) this upstream serves for requests that name no
   * model (files, batches, uploads, stored responses…). Unset: all of it without `models`, none with
   * them. Requests that name a model (embeddings, audio, images) follow the model either way.
   */
  endpoints?: ApiFamily[];
  /** Serve `/p/<name>/…`: this upstream's own API passed through untouched (the key swapped in). Default false. */
  raw?: boolean;
}

export const DEFAULT_WITHOUT_REASONING = ['gpt-4*', 'gpt-3.5*', 'chatgpt-*'];

export const openaiOptionsSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1 },
    baseUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
    apiKey: { type: 'string' },
    apiKeyEnv: { type: 'string', minLength: 1 },
    models: { type: 'array', items: { type: 'string', minLength: 1 } },
    headersTimeoutMs: { type: 'integer', minimum: 1 },
    maxSockets: { type: 'integer', minimum: 1 },
    withoutReasoning: { type: 'array', items: { type: 'string', minLength: 1 } },
    pool: poolSchema,
    balance: { enum: ['round-robin', 'least-in-flight'] },
    idleTimeoutMs: { type: 'integer', minimum: 1 },
    retry: retryPolicySchema,
    endpoints: { type: 'array', items: { enum: [...OPENAI_API_FAMILIES] } },
    raw: { type: 'boolean' },
  },
  additionalProperties: false,
};
