/**
 * LM Studio's local server (https://lmstudio.ai/docs/app/api/endpoints/openai): reasoning in
 * `reasoning_content` when its "separate reasoning_content" setting is on, else `<think>` tags in
 * the content. Its `/v1/responses` (0.3.29) keeps state on the server rather than in
 * `encrypted_content`, so the bridge serves every model. No key (`lm-studio` is sent).
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'lmstudio',
  label: 'LM Studio',
  baseUrl: 'http://127.0.0.1:1234/v1',
  apiKeyEnv: 'LMSTUDIO_API_KEY',
  baseUrlEnv: 'LMSTUDIO_BASE_URL',
  keyPlaceholder: 'lm-studio',
  models: [],
  profile: {
    reasoningFields: ['reasoning_content', 'reasoning'],
    thinkTags: true,
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' }, offValue: null },
  },
});
