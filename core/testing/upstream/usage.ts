import type { MockUsage } from './types.ts';
import type { ResolvedTurn } from './turn.ts';
import { countWords } from './text.ts';

// Usage is a pure function of the request size and the answer, so benchmarks and
// snapshot tests see the same numbers every run. Cache hits are 3/4 of the prompt so
// hit ≠ miss and a gateway that swaps or drops them is caught.

export interface TokenCounts {
  prompt: number;
  cacheHit: number;
  completion: number;
  reasoning: number;
}

export function countTokens(requestBytes: number, turn: ResolvedTurn, override: MockUsage = {}): TokenCounts {
  const prompt = override.prompt_tokens ?? Math.max(1, Math.ceil(requestBytes / 4));
  const reasoning = override.reasoning_tokens ?? countWords(turn.reasoning);
  const toolTokens = turn.toolCalls.reduce((n, c) => n + Math.ceil((c.name.length + c.arguments.length) / 4), 0);
  const completion = override.completion_tokens ?? countWords(turn.content ?? '') + reasoning + toolTokens;
  const cacheHit = Math.min(prompt, override.prompt_cache_hit_tokens ?? Math.floor((prompt * 3) / 4));
  return { prompt, cacheHit, completion, reasoning };
}

/** DeepSeek's shape: its own cache fields plus the OpenAI-style duplicates seen on the wire. */
export function chatUsage(t: TokenCounts) {
  return {
    prompt_tokens: t.prompt,
    completion_tokens: t.completion,
    total_tokens: t.prompt + t.completion,
    prompt_tokens_details: { cached_tokens: t.cacheHit },
    prompt_cache_hit_tokens: t.cacheHit,
    prompt_cache_miss_tokens: t.prompt - t.cacheHit,
    completion_tokens_details: { reasoning_tokens: t.reasoning },
  };
}

/** Both details objects are always present: Codex fails to parse a usage without them. */
export function responsesUsage(t: TokenCounts) {
  return {
    input_tokens: t.prompt,
    input_tokens_details: { cached_tokens: t.cacheHit },
    output_tokens: t.completion,
    output_tokens_details: { reasoning_tokens: t.reasoning },
    total_tokens: t.prompt + t.completion,
  };
}
