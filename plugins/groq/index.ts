/**
 * Groq (https://console.groq.com/docs/reasoning): reasoning in a `reasoning` field (the `parsed`
 * format, the default once tools are sent) or as `<think>` tags in the content (`raw`, the default
 * without tools); nothing needs to go back. Efforts as `reasoning_effort`: `low`/`medium`/`high` on
 * GPT-OSS, `none`/`default` on Qwen3. Its Responses API is a beta: the bridge serves every model.
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'groq',
  label: 'Groq',
  baseUrl: 'https://api.groq.com/openai/v1',
  apiKeyEnv: 'GROQ_API_KEY',
  baseUrlEnv: 'GROQ_BASE_URL',
  models: ['openai/gpt-oss-*', 'qwen/qwen3-*', 'llama-*', 'meta-llama/*', 'moonshotai/*'],
  profile: {
    reasoningFields: ['reasoning'],
    thinkTags: true,
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' }, offValue: null },
    maxTokensField: 'max_completion_tokens',
    tools: { parallel: true },
    models: {
      'openai/gpt-oss-*': { contextWindow: 131_072, efforts: ['low', 'medium', 'high'], defaultEffort: 'medium' },
      'qwen/qwen3-*': { contextWindow: 131_072, efforts: ['none', 'high'], defaultEffort: 'high', effortMap: { none: 'none', minimal: 'none' } },
      'llama-*': { contextWindow: 131_072, efforts: [] },
      'meta-llama/*': { contextWindow: 131_072, efforts: [] },
      'moonshotai/*': { contextWindow: 262_144, efforts: [] },
    },
  },
});
