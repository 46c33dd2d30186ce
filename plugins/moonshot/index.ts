/**
 * Moonshot Kimi (https://platform.moonshot.ai/docs/guide/use-kimi-k2-thinking-model): reasoning in
 * `reasoning_content`, which must stay in the context of tool-calling turns (omitting it is a 400
 * on later turns, as with DeepSeek); thinking switched with `thinking: {type}` on kimi-k2.5 and
 * later, always on for kimi-k2-thinking.
 */
import { priceTable } from 'aurora';
import { definePreset } from 'aurora/plugins/chat-bridge';
import { MOONSHOT_PRICES } from './prices.ts';

export { MOONSHOT_PRICES } from './prices.ts';

export default definePreset({
  name: 'moonshot',
  label: 'Moonshot',
  baseUrl: 'https://api.moonshot.ai/v1',
  apiKeyEnv: 'MOONSHOT_API_KEY',
  prices: priceTable(MOONSHOT_PRICES),
  baseUrlEnv: 'MOONSHOT_BASE_URL',
  models: ['kimi-*', 'moonshot-*'],
  profile: {
    reasoningFields: ['reasoning_content'],
    replay: 'reasoning_content',
    replayRequired: true,
    effort: { send: 'thinking', map: { none: 'off', minimal: 'off' } },
    models: {
      'kimi-k2-thinking*': { contextWindow: 262_144, efforts: ['high'], defaultEffort: 'high', effortMap: {} },
      'kimi-k2.*': { contextWindow: 262_144, efforts: ['none', 'high'], defaultEffort: 'high', vision: true },
    },
  },
});
