/** Options of the audit plugin. Everything has a default: `audit()` alone records to ./data/audit. */
import type { AuditStore, AuditStoreFactory } from './store/audit-store.ts';

export interface AuditOptions {
  /** Folder of the default store (created when missing). Default './data/audit'. Ignored with `store`. */
  dir?: string;
  /** Records older than this many days are deleted, at start and every hour. Default 30. */
  retentionDays?: number;
  /**
   * Bytes kept of each of the four bodies (client request, upstream request, upstream response,
   * client response). Longer ones are cut and marked `truncated`. Default 1 MB.
   */
  maxBodyBytes?: number;
  /**
   * Extra secrets to scrub: regular-expression sources (`'acme-[0-9a-f]{32}'`), applied to every
   * string of a record, bodies and headers included. Key-like strings (sk-…, Bearer tokens, AWS,
   * GitHub, Slack and Google keys, JWTs, private keys) are scrubbed without being listed here.
   */
  redact?: string[];
  /** Longest a record waits in memory before it is written (ms). Default 250. Ignored with `store`. */
  flushIntervalMs?: number;
  /**
   * Use this store instead of the default lowdb one: an open `AuditStore`, or a factory such as
   * `postgresAuditStore({ url })` that the plugin opens in setup. The plugin closes it on shutdown.
   */
  store?: AuditStore | AuditStoreFactory;
}

export const AUDIT_DEFAULTS = {
  dir: './data/audit',
  retentionDays: 30,
  maxBodyBytes: 1024 * 1024,
  flushIntervalMs: 250,
} as const;

/** JSON Schema (draft-07) the core validates `options` against at startup. */
export const auditOptionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    dir: { type: 'string', minLength: 1 },
    retentionDays: { type: 'number', exclusiveMinimum: 0 },
    maxBodyBytes: { type: 'integer', minimum: 1 },
    redact: { type: 'array', items: { type: 'string', minLength: 1 } },
    flushIntervalMs: { type: 'integer', minimum: 1 },
    store: { type: 'object', description: 'an AuditStore, or a store factory such as postgresAuditStore({ url })' },
  },
} as const;
