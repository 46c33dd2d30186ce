/**
 * auth: who may call the gateway. The master key comes from AURORA_MASTER_KEY (or `masterKey`);
 * it is compared in constant time. Without one the gateway is open, so it refuses to listen
 * beyond loopback and says so loudly.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { definePlugin, type Plugin, type Principal } from 'aurora';

export interface AuthOptions {
  /** The key every client must present. Default: the AURORA_MASTER_KEY environment variable. */
  masterKey?: string;
}

export const authOptionsSchema = {
  type: 'object',
  properties: { masterKey: { type: 'string', minLength: 8, description: 'at least 8 characters' } },
  additionalProperties: false,
};

const MASTER: Principal = Object.freeze({ id: 'master', name: 'master key', admin: true });
const ANONYMOUS: Principal = Object.freeze({ id: 'anonymous', name: 'anonymous (no master key set)', admin: true });

export default function auth(options: AuthOptions = {}): Plugin {
  let masterDigest: Buffer | undefined;
  return definePlugin({
    name: 'auth',
    // Must answer onAuth before any other plugin can claim the request.
    enforce: 'pre',
    options,
    optionsSchema: authOptionsSchema,
    setup(gateway) {
      const key = options.masterKey ?? process.env.AURORA_MASTER_KEY;
      if (!key) {
        gateway.log.warn('AURORA_MASTER_KEY is not set: ANY local process can use this gateway and its provider keys. Listening on loopback only. Set AURORA_MASTER_KEY to require a key.');
        gateway.restrictToLoopback('AURORA_MASTER_KEY is not set');
        return;
      }
      gateway.addSecret(key);
      masterDigest = digest(key);
    },
    onAuth(headers) {
      if (!masterDigest) return ANONYMOUS;
      const presented = presentedKey(headers);
      // Digests have equal length whatever was sent, so the comparison time says nothing about the key.
      if (presented !== undefined && timingSafeEqual(digest(presented), masterDigest)) return MASTER;
      return undefined;
    },
  });
}

/** `Authorization: Bearer <key>` (OpenAI clients, Codex) or `x-api-key: <key>` (Anthropic-style clients). */
export function presentedKey(headers: Headers): string | undefined {
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1]!.trim();
  }
  return headers.get('x-api-key')?.trim() || undefined;
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
