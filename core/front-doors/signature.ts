/**
 * A thinking block's `signature`, as this gateway hands it out: the hub reasoning item's id and
 * `encrypted_content` (a provider's own reasoning blob, or the DeepSeek plugin's sealed reasoning),
 * so the client replays them untouched and the next turn gives the provider its reasoning back —
 * in another process too, nothing is stored. A signature of another origin (Anthropic's own, from
 * a session that started there) is not ours: `openSignature` says so rather than pass it on.
 */

const PREFIX = 'aurora.sig1:';

export function signatureOf(id: string | undefined, encrypted: string | null | undefined): string {
  if (!encrypted && !id) return '';
  return `${PREFIX}${id ?? ''}:${encrypted ?? ''}`;
}

export function openSignature(signature: unknown): { id: string | undefined; encrypted: string | null } | undefined {
  if (typeof signature !== 'string' || !signature.startsWith(PREFIX)) return undefined;
  const rest = signature.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon === -1) return undefined;
  const id = rest.slice(0, colon);
  const encrypted = rest.slice(colon + 1);
  return { id: id || undefined, encrypted: encrypted || null };
}
