/**
 * Mistral (https://docs.mistral.ai/capabilities/reasoning/): reasoning comes as content parts
 * `{type:"thinking", thinking:[{type:"text", text}]}` beside the `text` parts, and goes back the
 * same way; the effort as `reasoning_effort` on the adjustable models. Tool call ids are nine
 * letters and digits: ids of another origin are rewritten. No Responses API: the bridge serves all.
 */
import { definePreset } from 'aurora/plugins/chat-bridge';

export default definePreset({
  name: 'mistral',
  label: 'Mistral',
  baseUrl: 'https://api.mistral.ai/v1',
  apiKeyEnv: 'MISTRAL_API_KEY',
  baseUrlEnv: 'MISTRAL_BASE_URL',
  models: ['mistral-*', 'magistral-*', 'codestral-*', 'devstral-*', 'ministral-*'],
  profile: {
    reasoningFields: [],
    thinkingChunks: true,
    replay: 'thinking-chunks',
    effort: { send: 'reasoning_effort', map: { minimal: 'low', xhigh: 'high', max: 'high' } },
    // Mistral refuses fields it does not document [unconfirmed for stream_options]; usage comes on the last chunk anyway.
    streamUsage: false,
    tools: { callIdPattern: /^[a-zA-Z0-9]{9}$/, callIdLength: 9 },
    models: {
      'mistral-medium-*': { contextWindow: 131_072, efforts: ['none', 'low', 'medium', 'high'], defaultEffort: 'high' },
      'mistral-small-*': { contextWindow: 131_072, efforts: ['none', 'low', 'medium', 'high'], defaultEffort: 'medium' },
      'devstral-*': { contextWindow: 262_144, efforts: [] },
      'codestral-*': { contextWindow: 262_144, efforts: [] },
    },
  },
});
