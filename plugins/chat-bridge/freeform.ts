/**
 * Custom (freeform) tools, e.g. apply_patch, across an upstream that only knows JSON-argument
 * tools: the model is given a wrapper with one string `input` and told to put the raw text there
 * (customToolDescription); what it sends back is unwrapped to that raw text (unwrapCustomInput).
 * Dialect-neutral, so the anthropic plugin's Messages wrapper shares it with this plugin's Chat one.
 */
import type { JsonObject } from 'aurora';

/**
 * The wrapper's description: the tool's own, plus how to fill `input`, plus the grammar when one is
 * declared, since the freeform format is otherwise invisible to the model.
 */
export function customToolDescription(tool: JsonObject): string {
  let description = typeof tool.description === 'string' ? tool.description : '';
  description += `${description ? '\n\n' : ''}This tool takes raw text, not JSON arguments: put the entire raw input as one string in the \`input\` parameter (for a patch, everything from \`*** Begin Patch\` to \`*** End Patch\`), with no Markdown fences and no other wrapping.`;
  const format = tool.format;
  if (format && typeof format === 'object' && format.type === 'grammar' && typeof format.definition === 'string') {
    description += `\n\nThe input must match this ${typeof format.syntax === 'string' ? format.syntax : ''} grammar:\n${format.definition}`;
  }
  return description;
}

/** The wrapper's parameters (JSON Schema): one required string. A new object each call, since request bodies are edited downstream. */
export function customToolParameters(): JsonObject {
  return {
    type: 'object',
    properties: { input: { type: 'string', description: 'The raw input text of the tool.' } },
    required: ['input'],
    additionalProperties: false,
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
