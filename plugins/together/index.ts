/**
 * Together AI (https://docs.together.ai/docs/deepseek-r1): reasoning models write their chain of
 * thought between `<think>` tags in the content; newer ones answer in a `reasoning` field
 * [unconfirmed]. Nothing needs to go back. Ids are `org/model` as on Hugging Face, which other
 * providers share, so models are claimed as `together/<id>` (or list them in `models`).
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'together',
  label: 'Together AI',
  baseUrl: 'https://api.together.xyz/v1',
  apiKeyEnv: 'TOGETHER_API_KEY',
  baseUrlEnv: 'TOGETHER_BASE_URL',
  models: [],
  profile: {
    reasoningFields: ['reasoning', 'reasoning_content'],
    thinkTags: true,
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' }, offValue: null },
    tools: { parallel: true },
  },
});
