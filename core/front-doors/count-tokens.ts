/**
 * `POST /v1/messages/count_tokens` for a provider with no such endpoint: an estimate from the
 * request's text, about four characters a token (the rule of thumb for English prose and code in
 * BPE tokenizers; a real count differs by some tens of percent either way). Answered with
 * `x-aurora-token-count: estimate` so a client that cares can tell.
 */
import type { JsonObject } from '../types.ts';

const CHARS_PER_TOKEN = 4;
// Each message and tool costs a few tokens of framing in every chat template.
const TOKENS_PER_MESSAGE = 4;

export function estimateInputTokens(body: JsonObject): number {
  let chars = 0;
  let framing = 0;
  const add = (value: unknown) => {
    if (typeof value === 'string') chars += value.length;
    else if (Array.isArray(value)) for (const v of value) add(v);
    else if (value && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        // Binary payloads (base64 images and documents) are not text: an image is priced by its pixels.
        if (key === 'data' && typeof v === 'string' && v.length > 1000) chars += 1600 * CHARS_PER_TOKEN;
        else if (key !== 'type' && key !== 'cache_control' && key !== 'signature') add(v);
      }
    }
  };
  add(body.system);
  for (const message of Array.isArray(body.messages) ? body.messages : []) {
    framing += TOKENS_PER_MESSAGE;
    add(message?.content);
  }
  for (const tool of Array.isArray(body.tools) ? body.tools : []) {
    framing += TOKENS_PER_MESSAGE;
    chars += JSON.stringify(tool ?? {}).length;
  }
  return Math.max(1, Math.ceil(chars / CHARS_PER_TOKEN) + framing);
}
