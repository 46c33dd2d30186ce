// Aurora with a local OpenAI-compatible server (Ollama by default) as a provider.
// Run from the repository root: `node core --config examples/custom-provider/aurora.config.ts`
import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import localProvider from './local-provider.ts';

export default defineConfig({
  server: { host: process.env.AURORA_HOST ?? '127.0.0.1', port: Number(process.env.AURORA_PORT ?? 8080) },
  plugins: [
    auth(), // AURORA_MASTER_KEY; without it the gateway serves loopback only
    localProvider({
      baseUrl: process.env.LOCAL_BASE_URL ?? 'http://127.0.0.1:11434/v1', // Ollama; vLLM: http://127.0.0.1:8000/v1
      prefix: 'local/', //                     local/llama3 → llama3
      models: { coder: 'qwen2.5-coder:7b' }, // coder        → qwen2.5-coder:7b
      headers: { 'x-client': 'aurora' }, //    sent upstream with every request
    }),
    // Put a catch-all provider (openai()) after it, never before: the first plugin to claim a model wins.
  ],
});
