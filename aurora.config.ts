// The default config, written exactly as a user writes theirs. Secrets come from the environment.
import { defineConfig } from 'aurora';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';

export default defineConfig({
  server: { host: process.env.AURORA_HOST ?? '127.0.0.1', port: Number(process.env.AURORA_PORT ?? 8080) },
  plugins: [
    auth(), // AURORA_MASTER_KEY; without it the gateway serves loopback only
    deepseek({ apiKey: process.env.DEEPSEEK_API_KEY, baseUrl: process.env.DEEPSEEK_BASE_URL }), // deepseek-v4-pro, deepseek-v4-flash
    effort({ 'deepseek-*': { none: 'none', minimal: 'none', low: 'high', medium: 'high', high: 'high', xhigh: 'max', max: 'max' } }),
    openai({ apiKey: process.env.OPENAI_API_KEY, baseUrl: process.env.OPENAI_BASE_URL }), // every model nobody else claims
    audit({ dir: './data/audit', retentionDays: 30 }), // the trail at /admin/dashboard/audit
  ],
});
