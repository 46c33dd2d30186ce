/**
 * vLLM's OpenAI-compatible server (https://docs.vllm.ai/en/v0.11.2/features/reasoning_outputs/):
 * with `--reasoning-parser`, reasoning in `reasoning` (`reasoning_content` before 0.11); without
 * one, `<think>` tags in the content. Chat templates drop earlier reasoning, so nothing goes back.
 * No key unless the server was started with `--api-key` (`VLLM_API_KEY`).
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'vllm',
  label: 'vLLM',
  baseUrl: 'http://127.0.0.1:8000/v1',
  apiKeyEnv: 'VLLM_API_KEY',
  baseUrlEnv: 'VLLM_BASE_URL',
  keyPlaceholder: 'EMPTY',
  models: [],
  profile: {
    reasoningFields: ['reasoning', 'reasoning_content'],
    thinkTags: true,
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' }, offValue: null },
  },
});
