import { isObject } from './http-io.ts';

// Request checks OpenAI's /v1/responses makes that a translating gateway can get wrong, with the
// messages the real service sends, so such a bug fails a test the way it would fail in production.
// Each returns the error, or null when the request passes it.

export interface ResponsesProblem {
  message: string;
  param: string | null;
  code: string | null;
}

// Models that reason (and so take `reasoning.effort`): o-series, GPT-5 and later, codex models,
// and DeepSeek's own /responses. gpt-4.1 and gpt-4o do not.
const REASONING_MODEL = /^(o\d|gpt-[5-9]|codex|deepseek)/;

export function validateResponsesRequest(body: Record<string, any>): ResponsesProblem | null {
  return checkEffort(body) ?? checkItems(body.input, body.store);
}

function checkEffort(body: Record<string, any>): ResponsesProblem | null {
  const effort = isObject(body.reasoning) ? body.reasoning.effort : undefined;
  if (effort === undefined || effort === null || REASONING_MODEL.test(String(body.model))) return null;
  return { message: "Unsupported parameter: 'reasoning.effort' is not supported with this model.", param: 'reasoning.effort', code: 'unsupported_parameter' };
}

/** Replayed items: tool outputs must answer a call made before them; reasoning must be resendable. */
function checkItems(input: unknown, store: unknown): ResponsesProblem | null {
  if (!Array.isArray(input)) return null;
  const calls = new Set<string>();
  for (const [i, item] of input.entries()) {
    if (!isObject(item)) continue;
    if ((item.type === 'function_call' || item.type === 'custom_tool_call') && typeof item.call_id === 'string') calls.add(item.call_id);
    if ((item.type === 'function_call_output' || item.type === 'custom_tool_call_output') && !calls.has(item.call_id)) {
      return { message: `No tool call found for function call output with call_id ${String(item.call_id)}.`, param: 'input', code: null };
    }
    if (item.type === 'reasoning') {
      const encrypted = item.encrypted_content;
      if ((encrypted === undefined || encrypted === null) && store === false) {
        return { message: `Item with id '${String(item.id)}' not found. Items are not persisted when \`store\` is set to false. Try again with \`store\` set to true, or remove this item from your input.`, param: 'input', code: null };
      }
      // OpenAI's reasoning blobs are its own; another provider's (or a gateway's sealed text) is refused.
      if (typeof encrypted === 'string' && !encrypted.startsWith('gAAAAAB')) {
        return { message: `The encrypted content for item ${String(item.id ?? `input[${i}]`)} could not be verified.`, param: 'input', code: 'invalid_encrypted_content' };
      }
    }
  }
  return null;
}
