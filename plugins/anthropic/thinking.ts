/**
 * The hub's `reasoning.effort` → the Messages request's `thinking` and `output_config.effort`, per
 * model (models.ts). The effort plugin, when configured, has already mapped the client's effort
 * into the Claude vocabulary (`none`, `low` … `max`); this is the last, defensive step, so a request
 * without the effort plugin (or with an effort it let through) still gets settings the model takes.
 */
import { CLAUDE_EFFORTS, type ClaudeEffort, type ClaudeProfile } from './models.ts';

/** Thinking budget per effort on models that only take `budget_tokens` (README.md: why these). */
export const BUDGETS: Readonly<Record<ClaudeEffort, number>> = Object.freeze({ low: 4096, medium: 10240, high: 20480, xhigh: 32768, max: 49152 });

/** The smallest budget the API takes. */
export const MIN_BUDGET = 1024;

export interface ThinkingPlan {
  /** The request's `thinking`, or undefined to leave it out (the model's default). */
  thinking?: Record<string, unknown>;
  /** `output_config.effort`, or undefined to leave it out. */
  effort?: ClaudeEffort;
  /** Whether the model may think: what sampling, forced tool choice and replay rules depend on. */
  on: boolean;
  /** Why the request could not be honoured as asked (for the audit annotations). */
  note?: string;
}

export interface PlanOptions {
  /** The request's `max_tokens` (the budget must stay below it). */
  maxTokens: number;
  /** Ask for summarized thinking text (the client shows reasoning summaries). */
  summarized: boolean;
}

/** Client efforts outside the Claude vocabulary, before the effort plugin (or without it). */
function claudeEffort(effort: unknown): ClaudeEffort | 'none' | undefined {
  if (effort === undefined || effort === null) return undefined;
  if (effort === 'none') return 'none';
  if (effort === 'minimal') return 'low';
  return (CLAUDE_EFFORTS as readonly unknown[]).includes(effort) ? (effort as ClaudeEffort) : 'high';
}

/** The effort itself if the model takes it, else the nearest one below (the nearest above when none is below). */
export function clampEffort(effort: ClaudeEffort, accepted: readonly ClaudeEffort[]): ClaudeEffort | undefined {
  if (accepted.length === 0) return undefined;
  if (accepted.includes(effort)) return effort;
  const rank = CLAUDE_EFFORTS.indexOf(effort);
  const below = accepted.filter((e) => CLAUDE_EFFORTS.indexOf(e) < rank);
  return below.at(-1) ?? accepted[0];
}

/** Whether the model thinks when the request leaves `thinking` out. */
export function thinksByDefault(profile: ClaudeProfile): boolean {
  return profile.thinking === 'adaptive' && profile.off !== 'omit';
}

export function planThinking(profile: ClaudeProfile, requested: unknown, options: PlanOptions): ThinkingPlan {
  const effort = claudeEffort(requested);
  if (profile.thinking === 'none') {
    return effort === undefined || effort === 'none' ? { on: false } : { on: false, note: `${profile.model} does not think; effort ${String(requested)} ignored` };
  }
  // No effort asked: the model's own default.
  if (effort === undefined) return { on: thinksByDefault(profile) };
  if (effort === 'none') return thinkingOff(profile);

  if (profile.thinking === 'budget') {
    const plan = budgetPlan(effort, options.maxTokens);
    const stated = clampEffort(effort, profile.efforts);
    if (stated) plan.effort = stated;
    return plan;
  }
  const thinking: Record<string, unknown> = { type: 'adaptive' };
  if (options.summarized) thinking.display = 'summarized';
  const plan: ThinkingPlan = { thinking, on: true };
  const stated = clampEffort(effort, profile.efforts);
  if (stated) plan.effort = stated;
  if (stated !== effort) plan.note = `effort ${effort} is not one ${profile.model} takes; sent ${stated ?? 'none'}`;
  return plan;
}

/** Effort `none`: thinking off, the way this model allows. */
export function thinkingOff(profile: ClaudeProfile): ThinkingPlan {
  switch (profile.off) {
    case 'disabled':
      return { thinking: { type: 'disabled' }, on: false };
    case 'omit':
      return { on: false };
    case 'between_tools':
      // Only short notes between tool calls: still thinking blocks, so the replay rules hold.
      return { thinking: { type: 'between_tools' }, on: true };
    case 'lowest':
      return { thinking: { type: 'adaptive' }, effort: profile.efforts[0] ?? 'low', on: true, note: `${profile.model} cannot turn thinking off; the lowest effort was sent` };
  }
}

/**
 * A budget that leaves a quarter of `max_tokens` (at least 1,024 tokens) for the answer and tool
 * calls; below the API's 1,024 minimum, thinking is left off rather than refused.
 */
function budgetPlan(effort: ClaudeEffort, maxTokens: number): ThinkingPlan {
  const room = maxTokens - Math.max(MIN_BUDGET, Math.ceil(maxTokens / 4));
  const budget = Math.min(BUDGETS[effort], room);
  if (budget < MIN_BUDGET) return { thinking: { type: 'disabled' }, on: false, note: `max_tokens ${maxTokens} leaves no room for a thinking budget (at least ${MIN_BUDGET}); thinking off` };
  return { thinking: { type: 'enabled', budget_tokens: budget }, on: true };
}

/** Whether this model can be asked not to think (used when a replayed tool turn lacks its thinking). */
export function canTurnOff(profile: ClaudeProfile): boolean {
  return profile.thinking !== 'none' && (profile.off === 'disabled' || profile.off === 'omit');
}
