/**
 * Prompt-cache breakpoints (`cache_control: {type: "ephemeral"}`) on a Messages body built from the
 * hub. Codex resends the whole conversation every turn; without breakpoints Anthropic caches
 * nothing and every turn pays for the whole prefix again. The API reads the prompt in the order
 * tools → system → messages and takes at most 4 breakpoints; each one caches the prefix up to it,
 * and a later request whose prefix matches reads it from the cache. So:
 *
 * 1. the last tool: the tool list is the same every turn;
 * 2. the last system block: instructions change rarely;
 * 3. the last block of the user turn that ended the previous request (the turn before the last
 *    assistant turn): the previous request wrote a cache entry ending exactly there (breakpoint 4,
 *    one turn ago), so this one reads the whole earlier conversation, however many blocks the
 *    last answer added (the API looks back only about 20 blocks from a breakpoint for a hit);
 * 4. the last block of the last user turn (the new input or tool results): writes the entry the
 *    next request reads through its breakpoint 3.
 *
 * Blocks that cannot carry `cache_control` (thinking) are never chosen: breakpoints 3 and 4 sit on
 * user turns, which hold text, images, documents and tool results only. Prefixes shorter than the
 * model's minimum (512 to 4,096 tokens) are simply not cached, which costs nothing.
 */
import type { JsonObject } from 'aurora';

export const MAX_BREAKPOINTS = 4;
const EPHEMERAL = { type: 'ephemeral' } as const;

export function placeCacheBreakpoints(body: JsonObject): void {
  const marks: JsonObject[] = [];
  const tools = Array.isArray(body.tools) ? body.tools : [];
  if (tools.length > 0) marks.push(tools[tools.length - 1]);
  const system = Array.isArray(body.system) ? body.system : [];
  if (system.length > 0) marks.push(system[system.length - 1]);

  const messages: JsonObject[] = Array.isArray(body.messages) ? body.messages : [];
  const last = lastIndex(messages, messages.length - 1, 'user');
  if (last !== -1) {
    const answer = lastIndex(messages, last - 1, 'assistant');
    const previous = answer === -1 ? -1 : lastIndex(messages, answer - 1, 'user');
    for (const i of [previous, last]) {
      if (i === -1) continue;
      const block = lastBlock(messages[i]!);
      if (block) marks.push(block);
    }
  }
  for (const block of marks.slice(0, MAX_BREAKPOINTS)) block.cache_control = { ...EPHEMERAL };
}

function lastIndex(messages: JsonObject[], from: number, role: string): number {
  for (let i = from; i >= 0; i--) if (messages[i]!.role === role) return i;
  return -1;
}

/** The message's last content block (a string content becomes one text block to carry the mark). */
function lastBlock(message: JsonObject): JsonObject | undefined {
  if (typeof message.content === 'string') {
    if (message.content === '') return undefined;
    message.content = [{ type: 'text', text: message.content }];
  }
  const content: JsonObject[] = Array.isArray(message.content) ? message.content : [];
  const block = content[content.length - 1];
  return block && typeof block === 'object' && block.type !== 'thinking' && block.type !== 'redacted_thinking' ? block : undefined;
}

/** Every `cache_control` in a Messages body (tools, system, message blocks), for checks. */
export function countBreakpoints(body: JsonObject): number {
  const marked = (b: unknown) => (b && typeof b === 'object' && (b as JsonObject).cache_control ? 1 : 0);
  let n = 0;
  for (const tool of Array.isArray(body.tools) ? body.tools : []) n += marked(tool);
  for (const block of Array.isArray(body.system) ? body.system : []) n += marked(block);
  for (const m of Array.isArray(body.messages) ? body.messages : []) {
    for (const block of Array.isArray(m.content) ? m.content : []) n += marked(block);
  }
  return n;
}
