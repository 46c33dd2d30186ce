/**
 * Gemini through its OpenAI-compatible endpoint (https://ai.google.dev/gemini-api/docs/openai,
 * https://ai.google.dev/gemini-api/docs/thought-signatures): thoughts stay hidden, but each step's
 * first function call carries `extra_content.google.thought_signature`, which must come back on
 * that call in the current turn or Gemini 3 answers 400. Errors come as `[{"error": …}]`.
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'gemini',
  label: 'Gemini',
  baseUrl: 'https://generativelanguage.googleapis.com/v1beta/openai',
  apiKeyEnv: 'GEMINI_API_KEY',
  baseUrlEnv: 'GEMINI_BASE_URL',
  models: ['gemini-*'],
  profile: {
    reasoningFields: [],
    thoughtSignatures: true,
    errorArray: true,
    effort: { send: 'reasoning_effort', map: { xhigh: 'high', max: 'high' } },
    tools: { parallel: true },
    models: {
      'gemini-3*': { contextWindow: 1_048_576, efforts: ['minimal', 'low', 'medium', 'high'], defaultEffort: 'high', vision: true, effortMap: { none: 'minimal', xhigh: 'high', max: 'high' } },
      'gemini-2.5-pro*': { contextWindow: 1_048_576, efforts: ['low', 'medium', 'high'], defaultEffort: 'high', vision: true },
      'gemini-2.5-flash*': { contextWindow: 1_048_576, efforts: ['none', 'low', 'medium', 'high'], defaultEffort: 'medium', vision: true },
    },
  },
});
