/**
 * What the translator must know about each Claude model, because the Messages API refuses (400)
 * what a model does not take: which thinking configuration it accepts and how thinking is turned
 * off, which `output_config.effort` values exist, whether `temperature`/`top_p` and a forced
 * `tool_choice` are allowed, whether `output_config.format` (structured outputs) exists, and the
 * `max_tokens` to send when the client set none (the Messages API requires one).
 *
 * Sources (README.md, "Effort and thinking", lists them with what each says):
 * - platform.claude.com: "Thinking", "Troubleshooting thinking", "Extended thinking", "Adaptive
 *   thinking", "Effort", "Structured outputs", the Opus 5.5 / Sonnet 5.5 migration guides and the
 *   model overview pages (max output);
 * - the model catalog bundled in Claude Code 2.1.328 (this repository's devDependency): per model
 *   `max_output_tokens.default`, `capabilities` (`adaptive_thinking`, `xhigh_effort`,
 *   `max_effort`, `rejects_disabled_thinking`) and `default_effort`.
 * A name no entry matches is taken as a model of the newest generation (adaptive thinking, every
 * effort, no sampling parameters, no forced tool choice): the settings every current model takes.
 */
import { compileModelPatterns } from 'aurora';

/** The `output_config.effort` vocabulary, lowest first. */
export const CLAUDE_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const;
export type ClaudeEffort = (typeof CLAUDE_EFFORTS)[number];

/**
 * How the model thinks: `none` (no thinking at all), `budget` (only `thinking: {type: "enabled",
 * budget_tokens}`), `adaptive` (`thinking: {type: "adaptive"}` + `output_config.effort`).
 */
export type ThinkingStyle = 'none' | 'budget' | 'adaptive';

/**
 * How effort `none` turns thinking off: send `thinking: {type: "disabled"}`; leave `thinking` out
 * (the model does not think unless asked); `thinking: {type: "between_tools"}` (Sonnet 5.5, which
 * refuses `disabled`); or not at all (`lowest`: thinking is always on, the lowest effort is used).
 */
export type ThinkingOff = 'disabled' | 'omit' | 'between_tools' | 'lowest';

export interface ClaudeProfile {
  /** The model the profile is for (named in annotations). */
  model: string;
  /** The table entry that matched. */
  pattern: string;
  thinking: ThinkingStyle;
  off: ThinkingOff;
  /** `output_config.effort` values the model takes, lowest first; empty: no effort parameter. */
  efforts: readonly ClaudeEffort[];
  /** `temperature` / `top_p` accepted at all (the newest models refuse them, any value). */
  sampling: boolean;
  /** `tool_choice` `any` / `tool` accepted (never with thinking on, on any model). */
  forcedToolChoice: boolean;
  /** `output_config.format` (JSON schema) accepted. */
  structuredOutputs: boolean;
  /** `max_tokens` when the client sets none: Claude Code's own default for the model. */
  maxTokens: number;
}

type Entry = Omit<ClaudeProfile, 'model' | 'pattern'>;

const ALL: readonly ClaudeEffort[] = CLAUDE_EFFORTS;
const NO_XHIGH: readonly ClaudeEffort[] = ['low', 'medium', 'high', 'max'];

const budget = (maxTokens: number, structuredOutputs: boolean, efforts: readonly ClaudeEffort[] = []): Entry => ({
  thinking: 'budget', off: 'disabled', efforts, sampling: true, forcedToolChoice: true, structuredOutputs, maxTokens,
});
const adaptive = (maxTokens: number, off: ThinkingOff, rest: Partial<Entry> = {}): Entry => ({
  thinking: 'adaptive', off, efforts: ALL, sampling: false, forcedToolChoice: false, structuredOutputs: true, maxTokens, ...rest,
});

/** First match wins: more specific names before their family. */
const TABLE: ReadonlyArray<[string[], Entry]> = [
  // No thinking at all.
  [['claude-3-5-*'], { thinking: 'none', off: 'omit', efforts: [], sampling: true, forcedToolChoice: true, structuredOutputs: false, maxTokens: 8192 }],
  [['claude-3-haiku*'], { thinking: 'none', off: 'omit', efforts: [], sampling: true, forcedToolChoice: true, structuredOutputs: false, maxTokens: 4096 }],
  // Manual thinking only (budget_tokens); off unless asked.
  [['claude-3-7-sonnet*', 'claude-sonnet-4-0*', 'claude-sonnet-4-2025*', 'claude-opus-4-0*', 'claude-opus-4-2025*', 'claude-opus-4-1*'], budget(32000, false)],
  [['claude-sonnet-4-5*', 'claude-haiku-4-5*'], budget(32000, true)],
  // Opus 4.5 also takes the effort parameter (low, medium, high), beside its budget.
  [['claude-opus-4-5*'], budget(32000, true, ['low', 'medium', 'high'])],
  // Claude 4.6: adaptive (budget_tokens deprecated), off unless asked, sampling still allowed.
  [['claude-opus-4-6*'], adaptive(64000, 'omit', { efforts: NO_XHIGH, sampling: true, forcedToolChoice: true })],
  [['claude-sonnet-4-6*'], adaptive(32000, 'omit', { efforts: NO_XHIGH, sampling: true, forcedToolChoice: true })],
  // Opus 4.7 / 4.8: adaptive only, off unless asked, no sampling parameters.
  [['claude-opus-4-7*', 'claude-opus-4-8*'], adaptive(64000, 'omit', { forcedToolChoice: true })],
  // Always thinking: Opus 5.5, Fable, Mythos, Haiku 5.5 (Claude Code marks them `rejects_disabled_thinking`).
  [['claude-opus-5-5*', 'claude-haiku-5-5*', 'claude-fable-5-2*', 'claude-mythos-5-2*'], adaptive(128000, 'lowest')],
  [['claude-fable-*', 'claude-mythos-*'], adaptive(64000, 'lowest')],
  // Sonnet 5.5 turns up-front thinking off with `between_tools` (it refuses `disabled`).
  [['claude-sonnet-5-5*'], adaptive(128000, 'between_tools')],
  // Opus 5 / Sonnet 5: thinking on by default, `disabled` accepted at effort high or below.
  [['claude-opus-5*', 'claude-sonnet-5*'], adaptive(64000, 'disabled', { forcedToolChoice: true })],
];

/** Any other `claude-*` (and any name at all): the newest generation's rules. */
const NEWEST: Entry = adaptive(32000, 'omit');

export interface ProfileLookup {
  (model: string): ClaudeProfile;
}

/**
 * The profile lookup, with `maxTokens` overrides (the plugin's `maxTokens` option: one number for
 * every model, or model globs → number, checked before the built-in defaults).
 */
export function createProfiles(maxTokens?: number | Record<string, number>): ProfileLookup {
  const rules = TABLE.map(([patterns, entry]) => ({ pattern: patterns.join(', '), matches: compileModelPatterns(patterns), entry }));
  const overrides = typeof maxTokens === 'object' && maxTokens !== null
    ? Object.entries(maxTokens).map(([pattern, value]) => ({ matches: compileModelPatterns([pattern]), value }))
    : [];
  return (model) => {
    const rule = rules.find((r) => r.matches(model));
    const profile: ClaudeProfile = { model, pattern: rule?.pattern ?? 'claude-*', ...(rule?.entry ?? NEWEST) };
    if (typeof maxTokens === 'number') profile.maxTokens = maxTokens;
    else {
      const override = overrides.find((o) => o.matches(model));
      if (override) profile.maxTokens = override.value;
    }
    return profile;
  };
}
