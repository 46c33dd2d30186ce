/**
 * Tool-name bookkeeping shared by the request, response and stream translators.
 *
 * A Chat Completions upstream only knows flat `function` tools. Responses tools Codex sends come in three kinds we can
 * serve: `function` (kept), `custom` (freeform text, e.g. apply_patch: wrapped as a function with one
 * string parameter `input`) and `namespace` (MCP groups: flattened to one function per child).
 * Every answer must go back under the kind and name the client declared — a custom tool as a
 * `custom_tool_call`, a namespaced one with its `namespace` — or Codex rejects the call. The
 * index built here from the request's `tools` is that reverse map. It is a pure function of the
 * tools, so the request and the later response/stream (built from the same client body) agree.
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from 'aurora';

/** What a Chat function name stands for on the Responses side. */
export interface ToolTarget {
  name: string;
  namespace?: string;
  custom: boolean;
}

/** One Chat function to declare, with the Responses tool it came from. */
export interface ToolEntry extends ToolTarget {
  chatName: string;
  tool: JsonObject;
}

export interface ToolIndex {
  /** Servable tools in request order (namespaces expanded in place; hosted tools left out). */
  entries: ToolEntry[];
  /** Chat function name → Responses tool. */
  byChatName: Map<string, ToolEntry>;
  /** The Chat function name for a Responses tool name (+ namespace), declared or not. */
  chatName(name: string, namespace?: string): string;
  /** The Responses name/namespace/kind behind a Chat function name (unknown names: a plain function). */
  target(chatName: string): ToolTarget;
}

// OpenAI-compatible function names: ^[a-zA-Z0-9_-]{1,64}$ [OpenAI's limit; the profile may lower it].
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

/** `maxName`: the upstream's longest function name (64 for OpenAI-style APIs). */
export function buildToolIndex(tools: unknown, maxName = MAX_NAME): ToolIndex {
  const entries: ToolEntry[] = [];
  const byChatName = new Map<string, ToolEntry>();
  const byKey = new Map<string, string>();

  const add = (tool: JsonObject, namespace: string | undefined) => {
    const custom = tool.type === 'custom';
    if ((tool.type !== 'function' && !custom) || typeof tool.name !== 'string' || tool.name === '') return;
    const k = key(tool.name, namespace);
    if (byKey.has(k)) return; // a duplicate declaration: the upstream would 400 on the repeated name
    let chatName = qualifyName(tool.name, namespace, maxName);
    // A flattened name may meet a real top-level one; disambiguate deterministically.
    if (byChatName.has(chatName)) chatName = `${chatName.slice(0, maxName - 9)}_${shortHash(k)}`;
    if (byChatName.has(chatName)) return;
    const entry: ToolEntry = { chatName, tool, name: tool.name, custom };
    if (namespace) entry.namespace = namespace;
    entries.push(entry);
    byChatName.set(chatName, entry);
    byKey.set(k, chatName);
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
    byChatName,
    chatName: (name, namespace) => byKey.get(key(name, namespace)) ?? qualifyName(name, namespace, maxName),
    target(chatName) {
      const entry = byChatName.get(chatName);
      if (!entry) return { name: chatName, custom: false };
      const out: ToolTarget = { name: entry.name, custom: entry.custom };
      if (entry.namespace) out.namespace = entry.namespace;
      return out;
    },
  };
}

/**
 * The raw text of a custom tool call from the JSON arguments the model produced for its wrapper
 * function. Models reshape it (farion1231/cc-switch#3669, MetaFARS/codex-relay#37), so accept
 * `{"input":…}`, `{"patch":…}`, a bare JSON string or plain text, `{"command":["apply_patch", …]}`
 * (also a shell heredoc form), and strip a Markdown fence around the whole text.
 */
export function unwrapCustomInput(args: string): string {
  let value: unknown = args;
  const head = args.trimStart()[0];
  if (head === '{' || head === '[' || head === '"') {
    try {
      value = JSON.parse(args);
    } catch {
      value = args; // not JSON after all: take the text as it is
    }
  }
  return stripFence(extract(value, 0));
}

function extract(value: unknown, depth: number): string {
  if (typeof value === 'string') return heredoc(value) ?? value;
  if (depth > 3 || value === null || typeof value !== 'object') return value == null ? '' : String(value);
  if (Array.isArray(value)) {
    // ["apply_patch", "<patch>"] or ["bash", "-lc", "apply_patch <<'EOF' …"]
    const i = value.indexOf('apply_patch');
    if (i !== -1 && typeof value[i + 1] === 'string') return value[i + 1];
    const last = value[value.length - 1];
    return typeof last === 'string' ? extract(last, depth + 1) : '';
  }
  const obj = value as Record<string, unknown>;
  for (const field of ['input', 'patch', 'command', 'text', 'content']) {
    if (obj[field] !== undefined && obj[field] !== null) return extract(obj[field], depth + 1);
  }
  const strings = Object.values(obj).filter((v): v is string => typeof v === 'string');
  if (strings.length === 1) return strings[0]!;
  return Object.keys(obj).length === 0 ? '' : JSON.stringify(obj);
}

/** `apply_patch <<'EOF'\n…\nEOF` → the body. */
function heredoc(text: string): string | undefined {
  const m = /^\s*apply_patch\s+<<-?\s*(['"]?)(\w+)\1[^\n]*\n([\s\S]*?)\n\2\s*$/.exec(text);
  return m ? `${m[3]}\n` : undefined;
}

function stripFence(text: string): string {
  const m = /^\s*```[^\n]*\n([\s\S]*?)```\s*$/.exec(text);
  return m ? m[1]! : text;
}

/**
 * The wrapper function the upstream sees for a custom tool: one required string `input`, and a
 * description telling the model to put the raw text there (plus the grammar when one is declared,
 * since the freeform format is otherwise invisible to the model).
 */
export function customToolFunction(chatName: string, tool: JsonObject): JsonObject {
  let description = typeof tool.description === 'string' ? tool.description : '';
  description += `${description ? '\n\n' : ''}This tool takes raw text, not JSON arguments: put the entire raw input as one string in the \`input\` parameter (for a patch, everything from \`*** Begin Patch\` to \`*** End Patch\`), with no Markdown fences and no other wrapping.`;
  const format = tool.format;
  if (format && typeof format === 'object' && format.type === 'grammar' && typeof format.definition === 'string') {
    description += `\n\nThe input must match this ${typeof format.syntax === 'string' ? format.syntax : ''} grammar:\n${format.definition}`;
  }
  return {
    type: 'function',
    function: {
      name: chatName,
      description,
      parameters: {
        type: 'object',
        properties: { input: { type: 'string', description: 'The raw input text of the tool.' } },
        required: ['input'],
        additionalProperties: false,
      },
    },
  };
}
