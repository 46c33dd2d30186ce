/**
 * Ollama's OpenAI-compatible API (https://github.com/ollama/ollama/blob/main/openai/openai.go):
 * thinking models answer in a `reasoning` field, and take it back on assistant messages (it becomes
 * the message's thinking); models without a thinking parser write `<think>` tags in the content.
 * `reasoning_effort` maps to `think`. Ollama also serves `/v1/responses`, but only in recent
 * releases: the bridge serves every model unless `responses` lists it. No key (`ollama` is sent).
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'ollama',
  label: 'Ollama',
  baseUrl: 'http://127.0.0.1:11434/v1',
  apiKeyEnv: 'OLLAMA_API_KEY',
  baseUrlEnv: 'OLLAMA_BASE_URL',
  keyPlaceholder: 'ollama',
  // Ollama names carry a tag: `qwen3:8b`, `gpt-oss:20b`.
  models: ['*:*'],
  profile: {
    reasoningFields: ['reasoning'],
    thinkTags: true,
    replay: 'reasoning',
    effort: { send: 'reasoning_effort' },
  },
});
