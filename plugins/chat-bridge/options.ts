import { poolSchema, retryPolicySchema, type PoolTarget, type RetryPolicy } from 'aurora';
import type { ProfileInput } from './profile.ts';

/**
 * How a provider plugin reaches its upstream. The core acts on them (they become Provider fields),
 * so every provider plugin takes them alike: this plugin's presets, deepseek and anthropic.
 */
export interface UpstreamOptions {
  /** Abort with 504 when the upstream has not sent response headers within this many milliseconds. Default 300000. */
  headersTimeoutMs?: number;
  /** End a stream with response.failed when the upstream sends nothing for this long (ms). Default 300000. */
  idleTimeoutMs?: number;
  /** Retry failures before any response byte (unreachable, timeout, 502/503/504). Default: none. */
  retry?: RetryPolicy;
  /** Several keys (or base URLs) to spread requests over; a refused (401) or throttled key is set aside (docs/routing.md). */
  pool?: PoolTarget[];
  /** How requests spread over `pool`: `round-robin` (weighted, default) or `least-in-flight`. */
  balance?: 'round-robin' | 'least-in-flight';
}

/** The JSON Schema properties of UpstreamOptions, for a plugin's options schema. */
export const upstreamOptionsProperties = {
  headersTimeoutMs: { type: 'integer', minimum: 1 },
  idleTimeoutMs: { type: 'integer', minimum: 1 },
  retry: retryPolicySchema,
  pool: poolSchema,
  balance: { enum: ['round-robin', 'least-in-flight'] },
} as const;

/** Options every provider built on the bridge takes (the presets, `openai-compatible`). */
export interface BridgeOptions extends UpstreamOptions {
  /** Plugin and provider name (logs, audit, metrics, the `<name>/…` model prefix). Default: the preset's. */
  name?: string;
  /** The key. Default: the preset's variable (`OPENROUTER_API_KEY`…), read in `setup()`. */
  apiKey?: string;
  /** The variable the key comes from, named when it is missing. */
  apiKeyEnv?: string;
  /** Base URL of the OpenAI-compatible API (`/chat/completions` is appended). Default: the preset's, or its `…_BASE_URL` variable. */
  baseUrl?: string;
  /** Model names or `*` globs this plugin claims besides `<name>/…`. Default: the preset's. */
  models?: string[];
  /** Requested name → upstream model id; its keys are claimed too. */
  modelMap?: Record<string, string>;
  /** Models (names or globs, upstream ids) sent to the provider's own `/responses` untranslated. Default: the preset's. */
  responses?: string[];
  /** Key material for the reasoning carrier. Default: derived from the key. */
  reasoningSecret?: string;
  /** GET /v1/models asks the provider for its list (cached, with a timeout). Default true where the provider has one. */
  listModels?: boolean;
  /** How the provider's reasoning, efforts, tools, usage and models differ: merged over the preset's profile. */
  profile?: ProfileInput;
}

const stringList = { type: 'array', items: { type: 'string', minLength: 1 } } as const;

/** JSON Schema (draft-07) of BridgeOptions; `extra` adds a preset's own options. */
export function bridgeOptionsSchema(extra: Record<string, object> = {}, required: string[] = []) {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    additionalProperties: false,
    required,
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]*$' },
      apiKey: { type: 'string', minLength: 1 },
      apiKeyEnv: { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' },
      baseUrl: { type: 'string', format: 'uri', pattern: '^https?://' },
      models: stringList,
      modelMap: { type: 'object', additionalProperties: { type: 'string', minLength: 1 } },
      responses: stringList,
      reasoningSecret: { type: 'string', minLength: 1 },
      listModels: { type: 'boolean' },
      profile: { type: 'object' },
      ...upstreamOptionsProperties,
      ...extra,
    },
  } as const;
}
