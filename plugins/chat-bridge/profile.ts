/**
 * A profile says how one Chat Completions provider differs from the others: where its reasoning
 * arrives and how it must come back, how an effort is expressed, which tool features it lacks, how
 * it reports usage and errors, and what each of its models can do. The translators read nothing
 * else about the provider, so a provider plugin is a profile, a base URL and a key.
 */
import type { JsonObject } from 'aurora';
import { compileModelPatterns } from 'aurora';

/** How the reasoning of an earlier assistant turn goes back on its message. */
export type ReplayMode =
  /** `reasoning_content: "…"` (DeepSeek, Moonshot, Qwen, Z.ai, vLLM before 0.11). */
  | 'reasoning_content'
  /** `reasoning: "…"` (Ollama, vLLM from 0.11, Groq's parsed format). */
  | 'reasoning'
  /** `reasoning_details: [...]` exactly as received (OpenRouter). */
  | 'reasoning_details'
  /** `<think>…</think>` in front of the content (servers that only parse tags). */
  | 'think-tags'
  /** content parts `{type:"thinking", thinking:[{type:"text", text}]}` (Mistral). */
  | 'thinking-chunks'
  /** nothing: the provider keeps or needs no reasoning across turns. */
  | 'none';

/** Where a client's `reasoning.effort` goes. */
export interface EffortProfile {
  /**
   * - `reasoning_effort`: `reasoning_effort: <value>` (OpenAI style); `off` sends `none`, or nothing with `offValue: null`
   * - `reasoning`: `reasoning: { effort: <value> }` (OpenRouter)
   * - `thinking`: `thinking: { type: enabled | disabled }`, plus `reasoning_effort` with `withLevel` (DeepSeek, Z.ai, Moonshot)
   * - `enable_thinking`: `enable_thinking: true | false` (Qwen on DashScope)
   * - `chat_template_kwargs`: `chat_template_kwargs: { enable_thinking }` (vLLM with Qwen3-style templates)
   * - `none`: nothing is sent
   */
  send: 'reasoning_effort' | 'reasoning' | 'thinking' | 'enable_thinking' | 'chat_template_kwargs' | 'none';
  /** Client effort → provider value; `off` turns thinking off. Efforts not listed go as `fallback`, or as they are. */
  map?: Record<string, string>;
  fallback?: string;
  /** No effort in the request: `on` states thinking on explicitly (DeepSeek), `omit` sends nothing (the provider's default). */
  whenAbsent?: 'on' | 'omit';
  /** `thinking` style: also send the level as `reasoning_effort`. */
  withLevel?: boolean;
  /** `reasoning_effort` style: the value sent for `off` (default `none`; `null` leaves the field out). */
  offValue?: string | null;
}

/** What one model can do, for requests and for Codex's model catalog. */
export interface ModelSpec {
  /** Tokens of context (Codex's `context_window`). */
  contextWindow?: number;
  /** The largest `max_tokens` the model takes; a larger request is clamped. */
  maxOutputTokens?: number;
  /** Efforts the model accepts, in the client's vocabulary (what Codex's `/model` offers). Empty: it does not reason on request. */
  efforts?: string[];
  defaultEffort?: string;
  /** Client effort → provider value for this model, instead of the profile's map. */
  effortMap?: Record<string, string>;
  /** Takes images. */
  vision?: boolean;
  /** Served through the provider's own Responses API instead of the bridge. */
  responses?: boolean;
  /** A display name for catalogs. */
  displayName?: string;
}

export interface ChatProfile {
  /** Message and delta fields that hold reasoning text, first match wins. */
  reasoningFields: string[];
  /** Reasoning inside the content as `<think>…</think>` (split out, never shown as the answer). */
  thinkTags: boolean;
  /** `reasoning_details` arrays (OpenRouter): kept whole, consolidated, handed back as received. */
  reasoningDetails: boolean;
  /** Thought signatures on tool calls (`extra_content.google.thought_signature`, Gemini). */
  thoughtSignatures: boolean;
  /** Content as part arrays with `thinking` parts (Mistral). */
  thinkingChunks: boolean;
  replay: ReplayMode;
  /**
   * With thinking on, every assistant message carries the replay field, `""` when nothing was kept
   * (DeepSeek answers 400 otherwise). Else it is sent only when there is reasoning to send.
   */
  replayRequired: boolean;
  effort: EffortProfile;
  tools: {
    /** Longest function name. */
    maxNameLength: number;
    /** `tool_choice: "required"` is understood (else `auto`). */
    required: boolean;
    /** `parallel_tool_calls` is forwarded. */
    parallel: boolean;
    /** Tool call ids the provider accepts back, e.g. Mistral's nine letters and digits; others are rewritten (deterministically). */
    callIdPattern?: RegExp;
    callIdLength?: number;
  };
  /** `max_tokens` or `max_completion_tokens`. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** `response_format: json_schema` is supported (else json_object and the schema in the prompt). */
  jsonSchema: boolean;
  /** `stream_options: { include_usage: true }` is accepted. */
  streamUsage: boolean;
  /** Usage paths (dotted) read for cached and reasoning tokens, first number wins. */
  usage: { cached: string[]; reasoning: string[] };
  /** Error bodies come as `[{"error": …}]` (Gemini's OpenAI endpoint); they are unwrapped for clients. */
  errorArray: boolean;
  /** Fields added to every Chat request (e.g. Groq's `reasoning_format`). */
  extraBody?: JsonObject;
  /** Per-model facts by name or `*` glob, first match wins. */
  models: Record<string, ModelSpec>;
  /** Whether the provider serves `/models` (OpenAI's list shape). */
  listsModels: boolean;
}

export const DEFAULT_PROFILE: ChatProfile = {
  reasoningFields: ['reasoning_content', 'reasoning'],
  thinkTags: false,
  reasoningDetails: false,
  thoughtSignatures: false,
  thinkingChunks: false,
  replay: 'none',
  replayRequired: false,
  effort: { send: 'reasoning_effort', whenAbsent: 'omit' },
  tools: { maxNameLength: 64, required: true, parallel: false },
  maxTokensField: 'max_tokens',
  jsonSchema: true,
  streamUsage: true,
  usage: {
    cached: ['prompt_cache_hit_tokens', 'prompt_tokens_details.cached_tokens', 'cached_tokens'],
    reasoning: ['completion_tokens_details.reasoning_tokens', 'reasoning_tokens'],
  },
  errorArray: false,
  models: {},
  listsModels: true,
};

/** A profile given in part: what it leaves out is the default's. `tools`, `usage`, `effort` merge one level deep. */
export type ProfileInput = Partial<Omit<ChatProfile, 'tools' | 'usage' | 'effort'>> & {
  tools?: Partial<ChatProfile['tools']>;
  usage?: Partial<ChatProfile['usage']>;
  effort?: Partial<EffortProfile>;
};

export function resolveProfile(...layers: Array<ProfileInput | undefined>): ChatProfile {
  let out: ChatProfile = DEFAULT_PROFILE;
  for (const layer of layers) {
    if (!layer) continue;
    out = {
      ...out,
      ...layer,
      tools: { ...out.tools, ...layer.tools },
      usage: { ...out.usage, ...layer.usage },
      effort: layer.effort ? { ...(layer.effort.send && layer.effort.send !== out.effort.send ? {} : out.effort), ...layer.effort } as EffortProfile : out.effort,
      models: { ...out.models, ...layer.models },
    };
  }
  return out;
}

/** The spec of `model` (first matching name or glob), or `{}`. Compiled once per profile. */
export function modelSpecs(profile: ChatProfile): (model: string) => ModelSpec {
  const entries = Object.entries(profile.models).map(([pattern, spec]) => ({ matches: compileModelPatterns([pattern]), spec }));
  const cache = new Map<string, ModelSpec>();
  return (model) => {
    let spec = cache.get(model);
    if (!spec) {
      spec = entries.find((e) => e.matches(model))?.spec ?? {};
      if (cache.size < 1000) cache.set(model, spec);
    }
    return spec;
  };
}

// ---------------------------------------------------------------------------------------------
// Effort

export interface MappedEffort {
  /** Thinking is on for this request (so the replay rules for thinking apply). */
  thinking: boolean;
  /** Fields to merge into the Chat request. */
  fields: JsonObject;
}

/**
 * The client's effort (Responses `reasoning.effort` or Chat `reasoning_effort`) in the provider's
 * terms. `undefined` / `null`: no effort given. A model whose spec lists no efforts gets nothing.
 */
export function mapEffort(effort: unknown, profile: EffortProfile, spec: ModelSpec = {}): MappedEffort {
  if (spec.efforts && spec.efforts.length === 0) return { thinking: false, fields: {} };
  const absent = effort === undefined || effort === null;
  if (absent && profile.whenAbsent !== 'on') return { thinking: profile.send !== 'none', fields: {} };
  const map = spec.effortMap ?? profile.map;
  const value = absent ? undefined : (map?.[String(effort)] ?? profile.fallback ?? String(effort));
  const off = value === 'off';
  switch (profile.send) {
    case 'thinking': {
      const fields: JsonObject = { thinking: { type: off ? 'disabled' : 'enabled' } };
      if (profile.withLevel && !off && value !== undefined) fields.reasoning_effort = value;
      return { thinking: !off, fields };
    }
    case 'enable_thinking':
      return { thinking: !off, fields: { enable_thinking: !off } };
    case 'chat_template_kwargs':
      return { thinking: !off, fields: { chat_template_kwargs: { enable_thinking: !off } } };
    case 'reasoning':
      return { thinking: !off, fields: value === undefined ? {} : { reasoning: off ? { effort: 'none' } : { effort: value } } };
    case 'reasoning_effort': {
      if (value === undefined) return { thinking: true, fields: {} };
      if (off) {
        const offValue = profile.offValue === undefined ? 'none' : profile.offValue;
        return { thinking: false, fields: offValue === null ? {} : { reasoning_effort: offValue } };
      }
      return { thinking: true, fields: { reasoning_effort: value } };
    }
    default:
      return { thinking: !off, fields: {} };
  }
}

/** A dotted path into an object (`prompt_tokens_details.cached_tokens`). */
export function readPath(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (!at || typeof at !== 'object') return undefined;
    at = (at as JsonObject)[key];
  }
  return at;
}
