// `npm run demo`: the emulated upstream and the gateway together, so the README's curl answers `ok`
// with no provider key and no network. Uses the built files (npm install builds them).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startMockUpstream } from 'aurora/testing';

const upstreamKey = 'sk-demo-upstream';
const mock = await startMockUpstream({ port: Number(process.env.MOCK_PORT ?? 0), apiKey: upstreamKey });
const masterKey = process.env.AURORA_MASTER_KEY ?? 'change-me';
console.log(`emulated upstream on ${mock.url} (OpenAI-compatible at /v1, DeepSeek-compatible at /, Anthropic Messages at /v1/messages)`);

const core = spawn(process.execPath, [fileURLToPath(new URL('../../core', import.meta.url)), ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: {
    ...process.env,
    AURORA_MASTER_KEY: masterKey,
    OPENAI_BASE_URL: `${mock.url}/v1`,
    OPENAI_API_KEY: upstreamKey,
    DEEPSEEK_BASE_URL: mock.url,
    DEEPSEEK_API_KEY: upstreamKey,
    ANTHROPIC_BASE_URL: `${mock.url}/v1`,
    ANTHROPIC_API_KEY: upstreamKey,
  },
});
console.log(`try: curl -s http://127.0.0.1:${process.env.AURORA_PORT ?? 8080}/v1/responses -H "Authorization: Bearer ${masterKey}" -H "Content-Type: application/json" -d '{"model":"gpt-4.1-mini","input":"Reply with exactly ok","max_output_tokens":16}'`);

const stop = (signal) => core.kill(signal);
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
core.on('exit', async (code) => {
  await mock.close();
  process.exit(code ?? 0);
});
