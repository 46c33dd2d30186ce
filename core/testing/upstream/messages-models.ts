// What the emulated Messages API needs to know about a model name: which rules differ by model
// generation. Names it cannot read (a gateway's own aliases, `deepseek-v4-pro` sent by Claude
// Code) are treated as the newest generation, as Claude Code itself does.

export interface ClaudeModel {
  family: 'opus' | 'sonnet' | 'haiku' | 'fable' | 'mythos' | 'unknown';
  major: number;
  minor: number;
}

const NEWEST: ClaudeModel = { family: 'unknown', major: 99, minor: 0 };

/** `claude-sonnet-4-5`, `claude-opus-4-1-20250805`, `claude-sonnet-4-20250514`, `claude-3-5-haiku-latest`. */
export function parseModel(name: unknown): ClaudeModel {
  if (typeof name !== 'string') return NEWEST;
  const modern = /^claude-(opus|sonnet|haiku|fable|mythos)-(\d+)(?:-(\d{1,2}))?(?:$|-)/.exec(name);
  if (modern) return { family: modern[1] as ClaudeModel['family'], major: Number(modern[2]), minor: Number(modern[3] ?? 0) };
  const legacy = /^claude-(\d+)(?:-(\d{1,2}))?-(opus|sonnet|haiku)(?:$|-)/.exec(name);
  if (legacy) return { family: legacy[3] as ClaudeModel['family'], major: Number(legacy[1]), minor: Number(legacy[2] ?? 0) };
  return NEWEST;
}

const atLeast = (m: ClaudeModel, major: number, minor: number) => m.major > major || (m.major === major && m.minor >= minor);

/**
 * Smallest prefix, in tokens, that a cache breakpoint stores; a shorter one is silently not
 * cached. Per model, after the table in LiteLLM's prompt-caching page (last updated 2026-10-07),
 * which follows https://platform.claude.com/docs/en/build-with-claude/prompt-caching:
 * 512 for Opus/Fable/Mythos 5; 4,096 for Haiku 4.5 and Opus 4.5–4.7; 2,048 for Haiku 3.x;
 * 1,024 for the rest (Sonnet, Opus 4.0/4.1/4.8, 3.x) and for names it cannot read.
 * (orq.ai lists 2,048 for Sonnet 4.6; the newer LiteLLM table says 1,024.)
 */
export function minCacheableTokens(model: ClaudeModel): number {
  if (model.family === 'unknown') return 1024;
  if ((model.family === 'opus' || model.family === 'fable' || model.family === 'mythos') && model.major >= 5) return 512;
  if (model.family === 'haiku') return model.major < 4 ? 2048 : 4096;
  if (model.family === 'opus' && model.major === 4 && model.minor >= 5 && model.minor <= 7) return 4096;
  return 1024;
}

/**
 * `role: "system"` inside `messages` arrived with Opus 4.8 ("What's new in Claude 4.8",
 * https://platform.claude.com/docs/en/about-claude/models/whats-new-claude-4-8); earlier models
 * answer "role 'system' is not supported on this model" (as quoted by gproxy-transform's docs).
 */
export function acceptsSystemMessages(model: ClaudeModel): boolean {
  return atLeast(model, 4, 8);
}

/**
 * Opus 4.7 and 4.8 dropped `temperature`/`top_p`/`top_k` and `thinking.type: "enabled"` (use
 * adaptive): anthropics/skills, skills/claude-api/shared/error-codes.md ("Model-specific 400s on
 * Opus 4.8 / 4.7"). Later generations are not listed there, so they keep the older rules here.
 */
export function droppedSamplingAndBudget(model: ClaudeModel): boolean {
  return model.family === 'opus' && model.major === 4 && (model.minor === 7 || model.minor === 8);
}
