// Text helpers shared by both wire formats: the default answer rule, how text is cut
// into stream deltas, and the stable "token" counts.

export const OK_TRIGGER = 'Reply with exactly ok';
const ECHO_LIMIT = 200;

/** Codex's smoke test asks for exactly "ok"; anything else is echoed so tests can see what arrived. */
export function defaultAnswer(lastUserText: string): string {
  if (lastUserText.includes(OK_TRIGGER)) return 'ok';
  return `echo: ${Array.from(lastUserText).slice(0, ECHO_LIMIT).join('')}`;
}

/**
 * Splits into at most `pieces` near-equal parts. Cuts on code points, never inside a
 * surrogate pair, so every delta is valid UTF-8 on its own.
 */
export function splitPieces(text: string, pieces: number): string[] {
  const chars = Array.from(text);
  const n = Math.min(Math.max(1, Math.floor(pieces)), chars.length);
  const out: string[] = [];
  const base = Math.floor(chars.length / n);
  let extra = chars.length % n;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const size = base + (extra > 0 ? 1 : 0);
    if (extra > 0) extra--;
    out.push(chars.slice(at, at + size).join(''));
    at += size;
  }
  return out;
}

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Text of a message `content`: a string, or the text parts of a part array (Chat and Responses part types). */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : ''))
    .filter(Boolean)
    .join('\n');
}
