// The default config, written exactly as a user writes theirs. Secrets come from the environment.
import { defineConfig } from 'aurora';
import anthropic from 'aurora/plugins/anthropic';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import presets from 'aurora/plugins/presets';
import responsesStore from 'aurora/plugins/responses-store';

// Every provider preset whose key is set (OPENROUTER_API_KEY, GROQ_API_KEY, GEMINI_API_KEY…), and
// the local servers whose base URL is set (OLLAMA_BASE_URL, VLLM_BASE_URL, LMSTUDIO_BASE_URL).
const discovered = presets();

export default defineConfig({
  server: { host: process.env.AURORA_HOST ?? '127.0.0.1', port: Number(process.env.AURORA_PORT ?? 8080) },
  plugins: [
    auth(), // AURORA_MASTER_KEY; without it the gateway serves loopback only
    // store, previous_response_id and GET /v1/responses/{id} on DeepSeek, Claude and the presets, kept
    // in ./data/responses for 30 days; one process: with --workers, its PostgreSQL store (docs/responses.md)
    ...responsesStore(),
    deepseek({ apiKey: process.env.DEEPSEEK_API_KEY, baseUrl: process.env.DEEPSEEK_BASE_URL }), // deepseek-v4-pro, deepseek-v4-flash
    anthropic({ apiKey: process.env.ANTHROPIC_API_KEY, baseUrl: process.env.ANTHROPIC_BASE_URL }), // claude-*
    effort(), // DeepSeek V4's and Claude's effort tables (plugins/effort/README.md)
    ...discovered,
    // Every model nobody else claims, and the rest of the OpenAI API (embeddings, files, audio…).
    // Without OPENAI_API_KEY its requests get a 400 naming the variable; GET /v1/models then lists
    // what the other plugins serve.
    openai({ apiKey: process.env.OPENAI_API_KEY, baseUrl: process.env.OPENAI_BASE_URL }),
    audit({ dir: './data/audit', retentionDays: 30 }), // the trail at /admin/dashboard/audit
  ],
});
