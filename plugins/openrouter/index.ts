/**
 * OpenRouter (https://openrouter.ai/docs/guides/best-practices/reasoning-tokens): reasoning as
 * `reasoning` text plus `reasoning_details` blocks, which must go back on the assistant message
 * exactly as received (Anthropic's signed thinking and Gemini's thought signatures ride in them);
 * the effort as `reasoning: { effort }`. Models are `vendor/model` ids. Its `/responses` is a beta,
 * so every model goes through the bridge.
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'openrouter',
  label: 'OpenRouter',
  baseUrl: 'https://openrouter.ai/api/v1',
  apiKeyEnv: 'OPENROUTER_API_KEY',
  baseUrlEnv: 'OPENROUTER_BASE_URL',
  // OpenRouter's ids all have a vendor: any `vendor/model` a more specific preset did not claim first.
  models: ['*/*'],
  profile: {
    reasoningFields: ['reasoning'],
    reasoningDetails: true,
    replay: 'reasoning_details',
    effort: { send: 'reasoning', map: { none: 'off' } },
    tools: { parallel: true },
    models: {
      'anthropic/*': { contextWindow: 200_000, efforts: ['low', 'medium', 'high'], defaultEffort: 'medium', vision: true },
      'openai/gpt-5*': { contextWindow: 400_000, efforts: ['minimal', 'low', 'medium', 'high'], defaultEffort: 'medium', vision: true },
      'google/gemini-*': { contextWindow: 1_048_576, efforts: ['low', 'medium', 'high'], defaultEffort: 'high', vision: true },
      'deepseek/*': { contextWindow: 1_048_576, efforts: ['none', 'high'], defaultEffort: 'high' },
    },
  },
});
