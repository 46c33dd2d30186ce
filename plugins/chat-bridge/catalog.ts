/**
 * Codex's model catalog (`model_catalog_json`, the format of examples/codex/deepseek-models.json)
 * for the models a bridge plugin serves: Codex has no metadata for names it does not ship with, and
 * without an entry it sends no `apply_patch` tool and no `reasoning.effort`. The entries come
 * from the profile: the context window, the efforts the model takes, and the apply_patch form —
 * `freeform` where the bridge translates the custom tool, `function` on a Responses passthrough
 * whose provider does not document custom tools.
 */
import type { JsonObject } from 'aurora';
import type { ModelSpec } from './profile.ts';

/** The request header that asks GET /v1/models for Codex catalog entries besides the list. */
export const CATALOG_HEADER = 'x-aurora-catalog';

// Written for the examples in examples/codex; a user edits it freely in the generated file.
const BASE_INSTRUCTIONS = "You are a coding agent running in the Codex CLI on the user's machine. You work in the user's workspace with the tools you are given, and you keep going until the task is done or you are truly blocked.\n\nWorking rules:\n- Look before you change: read the relevant files and search the code (prefer `rg` and `rg --files`) before editing.\n- Edit files with the `apply_patch` tool only. Keep each patch small and focused; never rewrite a file you only need to change in a few places.\n- Run commands with `exec_command`. Prefer non-interactive commands; do not run destructive commands (`git reset --hard`, `rm -rf` outside the task) unless the user asked for them.\n- The worktree may contain changes that are not yours: leave them alone.\n- After a change, verify it in proportion to the risk: build, run the relevant tests, or run the code.\n- If something you need is missing or the request is ambiguous in a way that matters, say so and ask instead of guessing.\n\nAnswering:\n- Be concise and concrete. Lead with the outcome, then what you changed and how you checked it.\n- Reference files as paths (with a line number when it helps). Use Markdown sparingly.";

const EFFORT_WORDS: Record<string, string> = {
  none: 'Thinking off: fastest answers',
  minimal: 'As little thinking as the model allows',
  low: 'Quick answers, little thinking',
  medium: 'Balanced speed and depth',
  high: 'Thinks thoroughly before answering',
  xhigh: 'Extended thinking for long agentic work',
  max: 'Longest thinking for the hardest problems',
};

export interface CatalogModel {
  slug: string;
  spec: ModelSpec;
  /** The model is served through the provider's Responses API, untouched. */
  passthrough: boolean;
  /** The provider is documented to take custom (freeform) tools on its Responses API. */
  customTools?: boolean;
  provider: string;
}

export function codexEntry(model: CatalogModel, priority: number): JsonObject {
  const { spec } = model;
  const efforts = spec.efforts ?? ['low', 'medium', 'high'];
  const entry: JsonObject = {
    slug: model.slug,
    display_name: spec.displayName ?? model.slug,
    description: `${model.slug} through Aurora (${model.provider}${model.passthrough ? ', Responses API' : ', translated from Chat Completions'})`,
    default_reasoning_level: efforts.length ? (spec.defaultEffort ?? (efforts.includes('medium') ? 'medium' : efforts[efforts.length - 1])) : null,
    supported_reasoning_levels: efforts.map((effort) => ({ effort, description: EFFORT_WORDS[effort] ?? effort })),
    shell_type: 'shell_command',
    visibility: 'list',
    supported_in_api: true,
    priority,
    upgrade: null,
    base_instructions: BASE_INSTRUCTIONS,
    supports_reasoning_summaries: efforts.length > 0,
    support_verbosity: false,
    default_verbosity: null,
    apply_patch_tool_type: model.passthrough && !model.customTools ? 'function' : 'freeform',
    truncation_policy: { mode: 'tokens', limit: 10000 },
    supports_parallel_tool_calls: true,
    context_window: spec.contextWindow ?? 131072,
    experimental_supported_tools: [],
    input_modalities: spec.vision ? ['text', 'image'] : ['text'],
  };
  return entry;
}
