// The default config, written exactly as a user writes theirs. Secrets come from the environment.
import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';

export default defineConfig({
  server: { host: process.env.AURORA_HOST ?? '127.0.0.1', port: Number(process.env.AURORA_PORT ?? 8080) },
  plugins: [
    auth(), // AURORA_MASTER_KEY; without it the gateway serves loopback only
    openai({ baseUrl: process.env.OPENAI_BASE_URL, apiKey: process.env.OPENAI_API_KEY }), // every model nobody else claims
  ],
});
