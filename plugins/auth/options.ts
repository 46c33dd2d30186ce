/** The auth plugin's options and their JSON schema (checked by the core at startup). */
import type { Logger } from 'aurora';
import type { KeyStore } from './keys.ts';
import type { RateLimiter } from './limits.ts';
import type { SpendLedger } from './spend.ts';

/** A key store and the limiter that goes with it (a shared store shares its limits too). */
export interface OpenedKeyStore {
  keys: KeyStore;
  limiter: RateLimiter;
  /** Where budgets are counted; without one, spend is kept in `dir`'s spend.json. */
  spend?: SpendLedger;
}

/**
 * Managed keys somewhere other than `dir`, opened by the plugin in setup (and by `node core keys`),
 * so reading the config opens no connection: `postgresKeyStore({ url })`.
 */
export interface KeyStoreFactory {
  openKeyStore(context: { watch: boolean; log?: Logger }): Promise<OpenedKeyStore>;
}

export interface AuthOptions {
  /** The key every client must present. Default: the AURORA_MASTER_KEY environment variable. */
  masterKey?: string;
  /** Folder of the managed-key store (`keys.json`). Default `./data/auth`, relative to the working directory. */
  dir?: string;
  /**
   * Notice keys that another process (the `keys` CLI) created or revoked, without a restart: watch the
   * folder and check the file every second. Default true. Without it a new key is still found on its
   * first use (an unknown id re-reads the file), but a revocation waits for a restart.
   */
  watch?: boolean;
  /**
   * Keep managed keys and rate-limit counters elsewhere, shared by several gateways:
   * `postgresKeyStore({ url })`. `dir` is then not used.
   */
  store?: KeyStoreFactory;
  /**
   * What the master key's traffic may spend, USD per UTC day and/or month (docs/costs.md); past
   * it, requests made with the master key are refused (429 `budget_exceeded`) until the reset.
   * Managed keys have budgets of their own (`--budget-day`, `--budget-month`).
   */
  masterBudget?: { day?: number; month?: number };
}

export const DEFAULT_DIR = './data/auth';

export const authOptionsSchema = {
  type: 'object',
  properties: {
    masterKey: { type: 'string', minLength: 8, description: 'at least 8 characters' },
    dir: { type: 'string', minLength: 1, description: 'a folder path' },
    watch: { type: 'boolean' },
    store: { type: 'object', description: 'a key store factory such as postgresKeyStore({ url })' },
    masterBudget: {
      type: 'object',
      properties: {
        day: { type: 'number', exclusiveMinimum: 0, description: 'USD per UTC day' },
        month: { type: 'number', exclusiveMinimum: 0, description: 'USD per UTC month' },
      },
      additionalProperties: false,
    },
  },
  additionalProperties: false,
};
