/**
 * Tool-name bookkeeping shared by the request, response and stream translators — this plugin's and
 * the anthropic plugin's, which is why nothing here names an upstream dialect: the index maps
 * Responses tools to flat upstream tool names (`wireName`) and back, and each translator writes
 * those names into its own wire format.
 *
 * Upstreams (Chat Completions, Messages) only know flat tools. Responses tools Codex sends come in three kinds we can
 * serve: `function` (kept), `custom` (freeform text, e.g. apply_patch: wrapped as a function with one
 * string parameter `input`, see freeform.ts) and `namespace` (MCP groups: flattened to one function per child).
 * Every answer must go back under the kind and name the client declared — a custom tool as a
 * `custom_tool_call`, a namespaced one with its `namespace` — or Codex rejects the call. The
 * index built here from the request's `tools` is that reverse map. It is a pure function of the
 * tools, so the request and the later response/stream (built from the same client body) agree.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from 'aurora';

/** What an upstream tool name stands for on the Responses side. */
export interface ToolTarget {
  name: string;
  namespace?: string;
  custom: boolean;
}

/** One upstream tool to declare, with the Responses tool it came from. */
export interface ToolEntry extends ToolTarget {
  wireName: string;
  tool: JsonObject;
}

export interface ToolIndex {
  /** Servable tools in request order (namespaces expanded in place; hosted tools left out). */
  entries: ToolEntry[];
  /** Upstream tool name → Responses tool. */
  byWireName: Map<string, ToolEntry>;
  /** The upstream tool name for a Responses tool name (+ namespace), declared or not. */
  wireName(name: string, namespace?: string): string;
  /** The Responses name/namespace/kind behind an upstream tool name (unknown names: a plain function). */
  target(wireName: string): ToolTarget;
}

// OpenAI-compatible function names and Anthropic tool_use names alike: ^[a-zA-Z0-9_-]{1,64}$
// [the profile may lower it].
const MAX_NAME = 64;
const INVALID = /[^a-zA-Z0-9_-]/g;

/**
 * A deterministic, valid function name for (namespace, name). MCP namespaces already end in `__`
 * (`mcp__server__` + `tool` = Codex's classic flat MCP name); others get a `__` joint.
 */
export function qualifyName(name: string, namespace?: string, max = MAX_NAME): string {
  let joined = namespace ? (namespace.endsWith('_') ? namespace + name : `${namespace}__${name}`) : name;
  joined = joined.replace(INVALID, '_') || '_';
  if (joined.length <= max) return joined;
  return `${joined.slice(0, max - 9)}_${shortHash(`${namespace ?? ''}\0${name}`)}`;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

const key = (name: string, namespace: string | undefined) => (namespace ? `${namespace}\0${name}` : name);

/** `maxName`: the upstream's longest tool name (64 for OpenAI-style APIs and Anthropic's). */
export function buildToolIndex(tools: unknown, maxName = MAX_NAME): ToolIndex {
  const entries: ToolEntry[] = [];
  const byWireName = new Map<string, ToolEntry>();
  const byKey = new Map<string, string>();

  const add = (tool: JsonObject, namespace: string | undefined) => {
    const custom = tool.type === 'custom';
    if ((tool.type !== 'function' && !custom) || typeof tool.name !== 'string' || tool.name === '') return;
    const k = key(tool.name, namespace);
    if (byKey.has(k)) return; // a duplicate declaration: the upstream would 400 on the repeated name
    let wireName = qualifyName(tool.name, namespace, maxName);
    // A flattened name may meet a real top-level one; disambiguate deterministically.
    if (byWireName.has(wireName)) wireName = `${wireName.slice(0, maxName - 9)}_${shortHash(k)}`;
    if (byWireName.has(wireName)) return;
    const entry: ToolEntry = { wireName, tool, name: tool.name, custom };
    if (namespace) entry.namespace = namespace;
    entries.push(entry);
    byWireName.set(wireName, entry);
    byKey.set(k, wireName);
  };

  if (Array.isArray(tools)) {
    for (const tool of tools) {
      if (!tool || typeof tool !== 'object') continue; // defensive: never crash on a bad tool shape
      if (tool.type === 'namespace' && typeof tool.name === 'string' && Array.isArray(tool.tools)) {
        for (const child of tool.tools) if (child && typeof child === 'object') add(child, tool.name);
      } else {
        add(tool, undefined);
      }
    }
  }

  return {
    entries,
    byWireName,
    wireName: (name, namespace) => byKey.get(key(name, namespace)) ?? qualifyName(name, namespace, maxName),
    target(wireName) {
      const entry = byWireName.get(wireName);
      if (!entry) return { name: wireName, custom: false };
      const out: ToolTarget = { name: entry.name, custom: entry.custom };
      if (entry.namespace) out.namespace = entry.namespace;
      return out;
    },
  };
}

/** The entries an `allowed_tools` tool_choice keeps (its `tools`, by name or namespace + name); all of them without a list. */
export function allowedEntries(entries: ToolEntry[], allowed: unknown): ToolEntry[] {
  if (!Array.isArray(allowed)) return entries;
  const names = new Set<string>();
  for (const t of allowed) {
    if (t && typeof t === 'object' && typeof t.name === 'string') names.add(typeof t.namespace === 'string' ? `${t.namespace}\0${t.name}` : t.name);
  }
  return entries.filter((e) => names.has(e.name) || (e.namespace !== undefined && names.has(`${e.namespace}\0${e.name}`)));
}

/**
 * The declared entry a forced tool_choice (`{type: function | custom, name, namespace?}`) names,
 * by its qualified name, else by its bare name. Undefined when the tool was not declared: forcing
 * it would be refused, so the caller lets the model choose.
 */
export function chosenEntry(entries: ToolEntry[], index: ToolIndex, name: string, namespace: unknown): ToolEntry | undefined {
  const wireName = index.wireName(name, typeof namespace === 'string' && namespace !== '' ? namespace : undefined);
  return entries.find((e) => e.wireName === wireName) ?? entries.find((e) => e.name === name);
}
