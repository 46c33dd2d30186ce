/**
 * The thinking carrier: a reasoning item's `encrypted_content`, holding the Claude thinking blocks
 * the item stands for, so the next request can send them back exactly.
 *
 * Anthropic wants a tool-using turn's thinking blocks back unmodified (text and `signature`, or a
 * redacted block's `data`), and Codex replays a reasoning item's `encrypted_content` and `summary`
 * but drops its `content`. So the blocks travel inside `encrypted_content`:
 *
 *     aurora.anth1.<base64url(JSON {"m": model, "b": [blocks]})>
 *
 * Not sealed: Anthropic checks every signature itself (an edited text or signature is a 400 there),
 * and a redacted block's `data` is Anthropic's own ciphertext, so there is nothing a client could
 * forge that the API would take. The model is kept because newer models refuse thinking another
 * model produced. Anything that does not open as this format (another provider's blob, a later
 * version) is not ours: `open` returns undefined and the caller drops the item.
 */

export const CARRIER_PREFIX = 'aurora.anth1.';

export type ThinkingBlock = { type: 'thinking'; thinking: string; signature: string } | { type: 'redacted_thinking'; data: string };

export interface CarriedThinking {
  /** The model that produced the blocks (the model id sent upstream). */
  model: string;
  blocks: ThinkingBlock[];
}

export function sealThinking(model: string, blocks: readonly ThinkingBlock[]): string {
  const compact = blocks.map((b) => (b.type === 'thinking' ? { type: b.type, thinking: b.thinking, signature: b.signature } : { type: b.type, data: b.data }));
  return CARRIER_PREFIX + Buffer.from(JSON.stringify({ m: model, b: compact }), 'utf8').toString('base64url');
}

/** The blocks `token` holds, each checked field by field (never throws; undefined when not ours). */
export function openThinking(token: unknown): CarriedThinking | undefined {
  if (typeof token !== 'string' || !token.startsWith(CARRIER_PREFIX)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token.slice(CARRIER_PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  const p = parsed as { m?: unknown; b?: unknown } | null;
  if (!p || typeof p.m !== 'string' || !Array.isArray(p.b) || p.b.length === 0) return undefined;
  const blocks: ThinkingBlock[] = [];
  for (const raw of p.b as unknown[]) {
    const b = raw as Record<string, unknown> | null;
    // Only the fields Anthropic defines are rebuilt: nothing else a client put in the JSON goes upstream.
    if (b?.type === 'thinking' && typeof b.thinking === 'string' && typeof b.signature === 'string' && b.signature !== '') {
      blocks.push({ type: 'thinking', thinking: b.thinking, signature: b.signature });
    } else if (b?.type === 'redacted_thinking' && typeof b.data === 'string' && b.data !== '') {
      blocks.push({ type: 'redacted_thinking', data: b.data });
    } else return undefined;
  }
  return { model: p.m, blocks };
}
