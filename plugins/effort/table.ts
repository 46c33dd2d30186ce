/**
 * The effort table: which client efforts a model accepts and what each becomes upstream. Pure data
 * and lookups; `index.ts` wires them into `transformRequest`.
 */
import { compileModelPatterns } from 'aurora';

/** Client effort (`reasoning.effort` / `reasoning_effort`) → the effort sent upstream. */
export type EffortMap = Record<string, string>;

/** Model glob (`deepseek-*`; `*` matches any run of characters) → its effort map. First match wins. */
export type EffortTable = Record<string, EffortMap>;

/**
 * DeepSeek V4 (translation.md §1.4), in the vocabulary the DeepSeek plugin reads: `none` turns
 * thinking off; `high` and `max` are the only `reasoning_effort` values DeepSeek documents.
 */
export const DEEPSEEK_V4_EFFORTS: Readonly<EffortMap> = Object.freeze({
  none: 'none',
  minimal: 'none',
  low: 'high',
  medium: 'high',
  high: 'high',
  xhigh: 'max',
  max: 'max',
});

/**
 * Claude, in the vocabulary the anthropic plugin reads: `none` (thinking off where the model allows
 * it) and the Messages API's `output_config.effort` values `low`, `medium`, `high`, `xhigh`, `max`.
 * An effort a model lacks becomes the nearest one below it (`xhigh` → `high` where there is no
 * `xhigh`); `minimal` → `low`. Which model takes which, with sources: plugins/anthropic/README.md.
 */
export const CLAUDE_EFFORTS: Readonly<EffortMap> = Object.freeze({
  none: 'none',
  minimal: 'low',
  low: 'low',
  medium: 'medium',
  high: 'high',
  xhigh: 'xhigh',
  max: 'max',
});

/** Claude Opus 4.6 and Sonnet 4.6: `max` but no `xhigh`. */
export const CLAUDE_4_6_EFFORTS: Readonly<EffortMap> = Object.freeze({ ...CLAUDE_EFFORTS, xhigh: 'high' });

/** Models that always think (Opus 5.5, Haiku 5.5, Fable, Mythos): `none` is their lowest effort. */
export const CLAUDE_ALWAYS_THINKING_EFFORTS: Readonly<EffortMap> = Object.freeze({ ...CLAUDE_EFFORTS, none: 'low' });

/** Claude 3.5 and Claude 3 Haiku do not think: every effort is `none`. */
export const CLAUDE_NO_THINKING_EFFORTS: Readonly<EffortMap> = Object.freeze(
  Object.fromEntries(Object.keys(CLAUDE_EFFORTS).map((effort) => [effort, 'none'])),
);

/** What `effort()` applies when called without a table: DeepSeek V4 and Claude. */
export const DEFAULT_EFFORT_TABLE: Readonly<EffortTable> = Object.freeze({
  'deepseek-v4*': DEEPSEEK_V4_EFFORTS,
  'deepseek-*': DEEPSEEK_V4_EFFORTS,
  'claude-3-5-*': CLAUDE_NO_THINKING_EFFORTS,
  'claude-3-haiku*': CLAUDE_NO_THINKING_EFFORTS,
  'claude-opus-4-6*': CLAUDE_4_6_EFFORTS,
  'claude-sonnet-4-6*': CLAUDE_4_6_EFFORTS,
  'claude-opus-5-5*': CLAUDE_ALWAYS_THINKING_EFFORTS,
  'claude-haiku-5-5*': CLAUDE_ALWAYS_THINKING_EFFORTS,
  'claude-fable-*': CLAUDE_ALWAYS_THINKING_EFFORTS,
  'claude-mythos-*': CLAUDE_ALWAYS_THINKING_EFFORTS,
  // Every other Claude: budget-thinking models (up to 4.5) take every effort as a budget size
  // (Opus 4.5's effort parameter stops at high: the anthropic plugin clamps it); Opus 4.7+,
  // Sonnet 5 and 5.5 take all five.
  'claude-*': CLAUDE_EFFORTS,
});

/** ajv (draft-07): a wrong table fails at startup as `plugins[0] effort: deepseek-*.low must be a string`. */
// An empty map would reject every effort for its models with an empty "use one of:" list: refuse it here.
export const effortTableSchema = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    minProperties: 1,
    additionalProperties: { type: 'string', minLength: 1 },
  },
};

/** One table entry, compiled once at setup. */
export interface EffortRule {
  pattern: string;
  matches: (model: string) => boolean;
  map: ReadonlyMap<string, string>;
  /** The client efforts this entry accepts, in table order (named in the 400). */
  accepted: readonly string[];
}

export function compileEffortTable(table: Readonly<EffortTable>): EffortRule[] {
  return Object.entries(table).map(([pattern, map]) => ({
    pattern,
    matches: compileModelPatterns([pattern]),
    map: new Map(Object.entries(map)),
    accepted: Object.keys(map),
  }));
}

/**
 * The first rule matching the first model that any rule matches: the model the client asked for
 * wins over the upstream model, so an alias can carry its own effort map.
 */
export function findEffortRule(rules: readonly EffortRule[], models: ReadonlyArray<string | undefined>): { rule: EffortRule; model: string } | undefined {
  for (const model of models) {
    if (!model) continue;
    const rule = rules.find((r) => r.matches(model));
    if (rule) return { rule, model };
  }
  return undefined;
}
