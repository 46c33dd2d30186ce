/** The auth plugin's options and their JSON schema (checked by the core at startup). */

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
}

export const DEFAULT_DIR = './data/auth';

export const authOptionsSchema = {
  type: 'object',
  properties: {
    masterKey: { type: 'string', minLength: 8, description: 'at least 8 characters' },
    dir: { type: 'string', minLength: 1, description: 'a folder path' },
    watch: { type: 'boolean' },
  },
  additionalProperties: false,
};
