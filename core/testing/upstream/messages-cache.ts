import { createHash } from 'node:crypto';
import { isObject } from './http-io.ts';

// Prompt caching as the Messages API does it
// (https://platform.claude.com/docs/en/build-with-claude/prompt-caching), so a test can tell
// whether a gateway keeps a session's breakpoints where they pay off.
//
// The prompt is read in Anthropic's order — tools, then system, then messages — as a chain of
// blocks; each block's key is a hash of everything up to and including it (byte-exact: key order
// in a tool schema matters, as it does for the real cache). A block with `cache_control` (or the
// last block, for a top-level `cache_control`) is a breakpoint: its prefix is stored when it has
// at least the model's minimum of tokens. A breakpoint reads the longest stored prefix found at
// its own position or at one of the 19 block boundaries before it (the documented 20-block
// lookback). Then `cache_read_input_tokens` is that prefix, `cache_creation_input_tokens` the rest
// up to the last cacheable breakpoint, `input_tokens` what follows.
// Thinking parameters and `tool_choice` are folded into the key where the messages start: changing
// them invalidates message breakpoints but not tools or system, as the docs' table says.
// Entries are per API key (x-api-key) and model, never expire, and are dropped by `mock.reset()`.
// Tokens are about four UTF-8 bytes each: a text block counts its text, other blocks their JSON.

const LOOKBACK_BLOCKS = 20;

export type CacheTtl = '5m' | '1h';

export interface PromptBlock {
  tokens: number;
  /** Hash of the prompt up to and including this block. */
  key: string;
  /** Set on breakpoints. */
  ttl?: CacheTtl;
}

export interface CacheUsage {
  total: number;
  input: number;
  read: number;
  creation: number;
  creation5m: number;
  creation1h: number;
}

export function countBlockTokens(block: unknown): number {
  const text = isObject(block) && block.type === 'text' && typeof block.text === 'string' ? block.text : typeof block === 'string' ? block : JSON.stringify(withoutCacheControl(block));
  return Math.max(1, Math.ceil(Buffer.byteLength(text) / 4));
}

function withoutCacheControl(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutCacheControl);
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== 'cache_control') out[k] = withoutCacheControl(v);
  return out;
}

function ttlOf(block: unknown): CacheTtl | undefined {
  if (!isObject(block) || !isObject(block.cache_control)) return undefined;
  return block.cache_control.ttl === '1h' ? '1h' : '5m';
}

const step = (previous: string, part: string) => createHash('sha256').update(previous).update('\u0000').update(part).digest('hex');

/** The request's prompt as a chain of blocks (the body is assumed valid). */
export function promptBlocks(body: Record<string, any>): PromptBlock[] {
  const blocks: PromptBlock[] = [];
  let key = step('', `model:${String(body.model)}`);
  const push = (block: unknown, marker = '') => {
    key = step(key, marker + JSON.stringify(withoutCacheControl(block)));
    const ttl = ttlOf(block) ?? (isObject(block) && block.type === 'tool_result' && Array.isArray(block.content) ? block.content.map(ttlOf).find(Boolean) : undefined);
    blocks.push({ tokens: countBlockTokens(block), key, ...(ttl ? { ttl } : {}) });
  };

  for (const tool of Array.isArray(body.tools) ? body.tools : []) push(tool, 'tool:');
  key = step(key, 'system');
  if (typeof body.system === 'string') push(body.system, 'system:');
  else if (Array.isArray(body.system)) for (const block of body.system) push(block, 'system:');
  key = step(key, `messages:${JSON.stringify({ thinking: thinkingKey(body.thinking), tool_choice: body.tool_choice ?? null })}`);
  for (const message of body.messages as Array<Record<string, any>>) {
    const content = typeof message.content === 'string' ? [message.content] : (message.content as unknown[]);
    content.forEach((block, i) => push(block, i === 0 ? `${message.role}:` : ''));
  }

  // Automatic caching: one breakpoint on the last cacheable block, moving with the conversation.
  const last = blocks.at(-1);
  if (last && !last.ttl && isObject(body.cache_control)) last.ttl = body.cache_control.ttl === '1h' ? '1h' : '5m';
  return blocks;
}

function thinkingKey(thinking: unknown): unknown {
  if (!isObject(thinking)) return null;
  return { type: thinking.type, budget_tokens: thinking.budget_tokens ?? null };
}

export function countPromptTokens(body: Record<string, any>): number {
  return promptBlocks(body).reduce((n, b) => n + b.tokens, 0);
}

/** The stored prefixes, per scope (API key). */
export class PromptCache {
  private readonly scopes = new Map<string, Set<string>>();

  has(scope: string, key: string): boolean {
    return this.scopes.get(scope)?.has(key) ?? false;
  }

  add(scope: string, key: string): void {
    let keys = this.scopes.get(scope);
    if (!keys) this.scopes.set(scope, (keys = new Set()));
    keys.add(key);
  }

  clear(): void {
    this.scopes.clear();
  }
}

/** Reads what the cache holds for this prompt, then stores its breakpoints (a request both reads and writes). */
export function applyPromptCache(blocks: PromptBlock[], cache: PromptCache, scope: string, minTokens: number): CacheUsage {
  const prefix: number[] = [];
  blocks.reduce((n, b, i) => (prefix[i] = n + b.tokens), 0);
  const total = prefix.at(-1) ?? 0;
  const breakpoints = blocks.flatMap((b, i) => (b.ttl ? [i] : []));

  let readEnd = -1;
  for (const bp of breakpoints) {
    for (let j = bp; j >= 0 && j > bp - LOOKBACK_BLOCKS; j--) {
      if (cache.has(scope, blocks[j]!.key)) {
        readEnd = Math.max(readEnd, j);
        break;
      }
    }
  }
  const read = readEnd >= 0 ? prefix[readEnd]! : 0;

  let creation5m = 0;
  let creation1h = 0;
  let covered = read;
  for (const bp of breakpoints) {
    if (prefix[bp]! < minTokens) continue; // too short to cache: silently not stored
    cache.add(scope, blocks[bp]!.key);
    if (prefix[bp]! <= covered) continue;
    if (blocks[bp]!.ttl === '1h') creation1h += prefix[bp]! - covered;
    else creation5m += prefix[bp]! - covered;
    covered = prefix[bp]!;
  }
  const creation = creation5m + creation1h;
  return { total, input: total - read - creation, read, creation, creation5m, creation1h };
}
