/** Options of the responses-store plugin. Everything has a default: `responsesStore()` keeps responses in ./data/responses. */
import type { ResponseStore, ResponseStoreFactory } from './store/response-store.ts';

export interface ResponsesStoreOptions {
  /** Folder of the default file store (created when missing). Default './data/responses'. Ignored with `store`. */
  dir?: string;
  /**
   * Use this store instead of the file store: an open `ResponseStore`, or a factory such as
   * `postgresResponseStore({ url })` that the plugin opens in setup (several gateways share it).
   * The plugin closes it on shutdown.
   */
  store?: ResponseStore | ResponseStoreFactory;
  /** Responses (and passthrough owner records) are deleted this many days after they were made. Default 30, as OpenAI keeps them. */
  retentionDays?: number;
  /**
   * The longest chain of `previous_response_id` a request may continue (responses in it, counted
   * when each is stored): a longer one is refused with a 400 before anything is read. Default 1000.
   */
  maxChainDepth?: number;
  /**
   * Note which key and which provider hold each response a passthrough provider (openai) answers
   * with `store` on, so another key's id is a 404 and another provider's a clear 400. Read from
   * the answer's first bytes after the client has it. Default true.
   */
  passthroughOwners?: boolean;
}

export const RESPONSES_STORE_DEFAULTS = {
  dir: './data/responses',
  retentionDays: 30,
  maxChainDepth: 1000,
  passthroughOwners: true,
} as const;

/** JSON Schema (draft-07) the core validates `options` against at startup. */
export const responsesStoreOptionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    dir: { type: 'string', minLength: 1 },
    store: { type: 'object', description: 'a ResponseStore, or a store factory such as postgresResponseStore({ url })' },
    retentionDays: { type: 'number', exclusiveMinimum: 0 },
    maxChainDepth: { type: 'integer', minimum: 1 },
    passthroughOwners: { type: 'boolean' },
  },
} as const;
