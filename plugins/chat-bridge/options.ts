import { poolSchema, retryPolicySchema, type PoolTarget, type RetryPolicy } from 'aurora';
import type { ProfileInput } from './profile.ts';

/** Options every provider built on the bridge takes (the presets, `openai-compatible`). */
export interface BridgeOptions {
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
  headersTimeoutMs?: number;
  idleTimeoutMs?: number;
  retry?: RetryPolicy;
  pool?: PoolTarget[];
  balance?: 'round-robin' | 'least-in-flight';
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
      headersTimeoutMs: { type: 'integer', minimum: 1 },
      idleTimeoutMs: { type: 'integer', minimum: 1 },
      retry: retryPolicySchema,
      pool: poolSchema,
      balance: { enum: ['round-robin', 'least-in-flight'] },
      ...extra,
    },
  } as const;
}
