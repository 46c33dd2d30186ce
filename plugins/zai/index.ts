/**
 * Z.ai GLM (https://docs.z.ai/guides/capabilities/thinking-mode): reasoning in `reasoning_content`;
 * with interleaved thinking and tools, "thinking blocks should be explicitly preserved and returned
 * together with the tool results", so it goes back as `reasoning_content`; thinking switched with
 * `thinking: {type}` (on by default from GLM-4.7).
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'zai',
  label: 'Z.ai',
  baseUrl: 'https://api.z.ai/api/paas/v4',
  apiKeyEnv: 'ZAI_API_KEY',
  baseUrlEnv: 'ZAI_BASE_URL',
  models: ['glm-*'],
  profile: {
    reasoningFields: ['reasoning_content'],
    replay: 'reasoning_content',
    effort: { send: 'thinking', map: { none: 'off', minimal: 'off' } },
    models: { 'glm-*': { contextWindow: 200_000, efforts: ['none', 'high'], defaultEffort: 'high' } },
  },
});
