/**
 * Qwen on Alibaba Cloud Model Studio, OpenAI-compatible mode
 * (https://www.alibabacloud.com/help/en/model-studio/deep-thinking): reasoning in
 * `reasoning_content`; hybrid models think with `enable_thinking: true`. The Responses API lives at
 * another base path (`/api/v2/apps/protocols/compatible-mode/v1`), so the bridge serves every model.
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'qwen',
  label: 'Qwen',
  baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
  apiKeyEnv: 'DASHSCOPE_API_KEY',
  baseUrlEnv: 'DASHSCOPE_BASE_URL',
  models: ['qwen*', 'qwq-*'],
  profile: {
    reasoningFields: ['reasoning_content'],
    replay: 'reasoning_content',
    effort: { send: 'enable_thinking', map: { none: 'off', minimal: 'off' } },
    tools: { parallel: true },
    models: {
      'qwen3*': { contextWindow: 131_072, efforts: ['none', 'high'], defaultEffort: 'high' },
      'qwen-plus*': { contextWindow: 131_072, efforts: ['none', 'high'], defaultEffort: 'high' },
    },
  },
});
