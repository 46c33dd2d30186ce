/**
 * The key a client presents: `Authorization: Bearer <key>` (OpenAI clients, Codex, Claude Code
 * with ANTHROPIC_AUTH_TOKEN) or `x-api-key: <key>` (Anthropic clients). One reader, so the auth
 * check and the scrubbing of echoes agree on what the key is.
 */

/** Every key the request carries, Bearer first; each trimmed. */
export function presentedKeys(headers: Headers): string[] {
  const keys: string[] = [];
  const authorization = headers.get('authorization');
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) keys.push(match[1]!.trim());
  }
  const apiKey = headers.get('x-api-key')?.trim();
  if (apiKey) keys.push(apiKey);
  return keys;
}

/** The key the request authenticates with: the Bearer token, else `x-api-key`. */
export function presentedKey(headers: Headers): string | undefined {
  return presentedKeys(headers)[0];
}
