/**
 * xAI (https://docs.x.ai/developers/model-capabilities/text/best-practices): Grok's reasoning is
 * encrypted and only the Responses API carries it back ("Chat Completions is deprecated, and it has
 * no field for the model's encrypted reasoning"), so every model goes to xAI's own `/responses`,
 * untouched. The bridge profile below serves a model taken off that list (`responses: []`).
 */
import { priceTable } from 'aurora';
import { definePreset } from 'aurora/plugins/chat-bridge';
import { XAI_PRICES } from './prices.ts';

export { XAI_PRICES } from './prices.ts';

export default definePreset({
  name: 'xai',
  label: 'xAI',
  baseUrl: 'https://api.x.ai/v1',
  apiKeyEnv: 'XAI_API_KEY',
  prices: priceTable(XAI_PRICES),
  baseUrlEnv: 'XAI_BASE_URL',
  models: ['grok-*'],
  responses: ['*'],
  profile: {
    reasoningFields: ['reasoning_content'],
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' } },
    tools: { parallel: true },
    models: {
      'grok-4*': { contextWindow: 256_000, efforts: ['none', 'low', 'medium', 'high'], defaultEffort: 'medium', vision: true },
      'grok-code-*': { contextWindow: 256_000, efforts: ['low', 'medium', 'high'], defaultEffort: 'medium' },
    },
  },
});
