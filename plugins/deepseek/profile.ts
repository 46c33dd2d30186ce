/**
 * DeepSeek as a bridge profile: reasoning in `reasoning_content`, which must come back on every
 * assistant message of a tool-calling span in thinking mode (else a 400), thinking switched with
 * `thinking: {type}` and its depth as `reasoning_effort` (`high` or `max`). shared/protocol/deepseek-chat.md.
 */
import { priceTable } from 'aurora';
import { resolveProfile, type BridgeSpec, type ChatProfile, type ProfileInput } from 'aurora/plugins/chat-bridge';
import { DEEPSEEK_PRICES } from './prices.ts';

export const DEEPSEEK_PROFILE: ProfileInput = {
  reasoningFields: ['reasoning_content'],
  replay: 'reasoning_content',
  replayRequired: true,
  // The effort plugin, when configured, has already mapped the client's value into DeepSeek's
  // vocabulary; this is the last, defensive mapping onto the two Chat fields. `thinking.type` is
  // always explicit: omitting it leaves thinking on (DeepSeek's default), which is wrong for `none`.
  effort: {
    send: 'thinking',
    withLevel: true,
    whenAbsent: 'on',
    map: { none: 'off', minimal: 'off', low: 'high', medium: 'high', high: 'high', xhigh: 'max', max: 'max' },
    fallback: 'high',
  },
  // DeepSeek documents only json_object.
  jsonSchema: false,
  usage: { cached: ['prompt_cache_hit_tokens', 'prompt_tokens_details.cached_tokens'], reasoning: ['completion_tokens_details.reasoning_tokens'] },
  models: { 'deepseek-v4-*': { contextWindow: 1_048_576, efforts: ['none', 'high', 'max'], defaultEffort: 'high' } },
  listsModels: false,
};

export const DEEPSEEK: ChatProfile = resolveProfile(DEEPSEEK_PROFILE);

export const DEFAULT_MODELS = ['deepseek-v4-pro', 'deepseek-v4-flash'];

export const DEEPSEEK_SPEC: BridgeSpec = {
  name: 'deepseek',
  label: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com',
  apiKeyEnv: 'DEEPSEEK_API_KEY',
  models: DEFAULT_MODELS,
  profile: DEEPSEEK_PROFILE,
  strictChat: true,
  prefix: false,
  prices: priceTable(DEEPSEEK_PRICES),
};
