/**
 * Fireworks AI (https://docs.fireworks.ai/guides/reasoning): reasoning in `reasoning_content`, or
 * for some models `<think>` tags in the content; the effort as `reasoning_effort`. Reasoning is
 * handed back as `reasoning_content` (Fireworks serves DeepSeek and Kimi models, which use it).
 */
import { priceTable } from 'aurora';
import { definePreset } from 'aurora/plugins/chat-bridge';
import { FIREWORKS_PRICES } from './prices.ts';

export { FIREWORKS_PRICES } from './prices.ts';

export default definePreset({
  name: 'fireworks',
  label: 'Fireworks AI',
  baseUrl: 'https://api.fireworks.ai/inference/v1',
  apiKeyEnv: 'FIREWORKS_API_KEY',
  prices: priceTable(FIREWORKS_PRICES),
  baseUrlEnv: 'FIREWORKS_BASE_URL',
  models: ['accounts/*'],
  profile: {
    reasoningFields: ['reasoning_content'],
    thinkTags: true,
    replay: 'reasoning_content',
    effort: { send: 'reasoning_effort', map: { minimal: 'low', max: 'xhigh' } },
    tools: { parallel: true },
  },
});
