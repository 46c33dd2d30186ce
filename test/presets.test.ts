/**
 * The provider presets as a user meets them: the default aurora.config.ts enables a preset when its
 * key is set (here OpenRouter, its base URL pointed at the emulator posing as OpenRouter), GET
 * /v1/models merges every provider's list, Codex works through it, and configurations that cannot
 * work stop with the project's messages. `node core` runs as a user runs it (the built entry).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import openrouter from 'aurora/plugins/openrouter';
import presets, { PRESETS } from 'aurora/plugins/presets';
import { codexHome, codexOk } from './codex-cli.ts';
import { MASTER_KEY, ROOT, UPSTREAM_KEY, buildIfStale, closedPort, post, runCore, startCore, tempDir, writeConfig } from './helpers.ts';

// Keys of a developer's own shell would enable presets the test does not expect.
const NO_KEYS = Object.fromEntries(
  [...Object.values(PRESETS).flatMap((p) => [p.spec.apiKeyEnv, p.spec.baseUrlEnv]), 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DEEPSEEK_API_KEY', 'DEEPSEEK_BASE_URL', 'AURORA_CONFIG'].map((v) => [v, undefined]),
);

let mock: MockUpstream;
beforeAll(async () => {
  buildIfStale();
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, chat: 'reasoning-details' });
}, 120_000); // a rebuild of dist/ on a busy machine
afterAll(() => mock.close());

describe('the default aurora.config.ts with OPENROUTER_API_KEY set', { timeout: 120_000 }, () => {
  it('serves OpenRouter models: banner, merged GET /v1/models, and a Codex tool turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-default-config-'));
    const home = mkdtempSync(join(tmpdir(), 'aurora-default-codex-'));
    copyFileSync(join(ROOT, 'aurora.config.ts'), join(dir, 'aurora.config.ts'));
    const down = await closedPort();
    const core = await startCore([], {
      ...NO_KEYS,
      AURORA_MASTER_KEY: MASTER_KEY,
      AURORA_PORT: '0',
      OPENROUTER_API_KEY: UPSTREAM_KEY,
      OPENROUTER_BASE_URL: `${mock.url}/v1`,
      // A local server that is down: its models are missing from the list, nothing else is.
      OLLAMA_BASE_URL: `http://127.0.0.1:${down}/v1`,
    }, dir);
    try {
      // The banner follows the "listening" line on another stream.
      await expect.poll(() => core.output()).toContain(`provider:  openrouter → ${mock.url}/v1  models: */*, openrouter/*`);
      expect(core.output()).toContain('provider:  ollama → ');
      // The catch-all stays, saying what it lacks; the model list does not depend on its key.
      expect(core.output()).toContain('provider:  openai → https://api.openai.com/v1  models: *  (NO API KEY SET)');
      expect(core.output()).not.toContain(UPSTREAM_KEY);

      const list = await fetch(`${core.url}/v1/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
      expect(list.status).toBe(200);
      const ids = ((await list.json()) as JsonObject).data.map((m: JsonObject) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['deepseek-v4-pro', 'deepseek-v4-flash', 'anthropic/claude-sonnet-4.5', 'openai/gpt-5.5']));
      expect(mock.requests.some((r) => r.method === 'GET' && r.path === '/v1/models')).toBe(true);

      writeFileSync(join(home, 'config.toml'), readFileSync(join(codexHome(`${core.url}/v1`, 'anthropic/claude-sonnet-4.5'), 'config.toml'), 'utf8'));
      mock.enqueue(
        { reasoning: 'List it.', toolCalls: [{ name: 'exec_command', arguments: '{"cmd":"echo routed"}' }] },
        { reasoning: 'Listed.', content: 'done routed' },
      );
      expect(await codexOk(['-m', 'anthropic/claude-sonnet-4.5', 'Run echo routed'], { home, cwd: dir })).toContain('done routed');
      const followUp = mock.requests.at(-1)!;
      expect(followUp.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      expect(followUp.body.model).toBe('anthropic/claude-sonnet-4.5');
      expect((followUp.body.messages as JsonObject[]).find((m) => m.role === 'assistant')!.reasoning_details[0].text).toBe('List it.');
      expect(mock.pending()).toBe(0);
    } finally {
      core.child.kill('SIGTERM');
      await core.exited;
      rmSync(dir, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('`node core codex-catalog` prints the catalog of what the running gateway serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aurora-catalog-'));
    copyFileSync(join(ROOT, 'aurora.config.ts'), join(dir, 'aurora.config.ts'));
    const env = { ...NO_KEYS, AURORA_MASTER_KEY: MASTER_KEY, AURORA_PORT: '0', OPENROUTER_API_KEY: UPSTREAM_KEY, OPENROUTER_BASE_URL: `${mock.url}/v1` };
    const core = await startCore([], env, dir);
    try {
      const { code, output } = await runCore(['codex-catalog', '--url', core.url], { ...env, AURORA_API_KEY: MASTER_KEY }, dir);
      expect(code).toBe(0);
      const catalog = JSON.parse(output.slice(output.indexOf('{'))) as { models: JsonObject[] };
      const sonnet = catalog.models.find((m) => m.slug === 'anthropic/claude-sonnet-4.5')!;
      expect(sonnet).toMatchObject({ context_window: 200_000, apply_patch_tool_type: 'freeform', default_reasoning_level: 'medium', input_modalities: ['text', 'image'] });
      expect(sonnet.supported_reasoning_levels.map((l: JsonObject) => l.effort)).toEqual(['low', 'medium', 'high']);
      const pro = catalog.models.find((m) => m.slug === 'deepseek-v4-pro')!;
      expect(pro).toMatchObject({ context_window: 1_048_576, default_reasoning_level: 'high' });
      // Every field the hand-written example carries, so Codex accepts it as it accepts that one.
      const example = JSON.parse(readFileSync(join(ROOT, 'examples/codex/deepseek-models.json'), 'utf8')).models[0];
      expect(Object.keys(pro).sort()).toEqual(Object.keys(example).sort());
    } finally {
      core.child.kill('SIGTERM');
      await core.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('presets in a user config', () => {
  const header = `import { defineConfig } from 'aurora';\nimport auth from 'aurora/plugins/auth';\n`;

  it('`import openrouter from "aurora/plugins/openrouter"` works from a user config', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${header}import openrouter from 'aurora/plugins/openrouter';\nimport gemini from 'aurora/plugins/gemini';\nimport compatible from 'aurora/plugins/openai-compatible';
export default defineConfig({ plugins: [auth(), openrouter({ apiKey: 'sk-or' }), gemini(), compatible({ name: 'lab', baseUrl: 'http://10.0.0.5:8000/v1', preset: 'vllm', models: ['lab-*'] })] });\n`);
    const { code, output } = await runCore(['--config', file, '--check'], NO_KEYS);
    expect(output).toContain(`${file}: OK`);
    expect(output).toContain('provider:  openrouter → https://openrouter.ai/api/v1  models: */*, openrouter/*');
    // A missing key is named by its variable.
    expect(output).toContain('provider:  gemini → https://generativelanguage.googleapis.com/v1beta/openai  models: gemini-*, gemini/*  (NO API KEY SET)');
    expect(output).toContain('gemini: no API key (set GEMINI_API_KEY)');
    expect(output).toContain('provider:  lab → http://10.0.0.5:8000/v1  models: lab-*, lab/*');
    expect(code).toBe(0);
  });

  it('an unknown preset names the known ones', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${header}import presets from 'aurora/plugins/presets';\nexport default defineConfig({ plugins: [auth(), ...presets({ only: ['openrouter', 'open-router'] })] });\n`);
    const { code, output } = await runCore(['--config', file, '--check'], NO_KEYS);
    expect(code).toBe(1);
    expect(output).toContain(`${file}: evaluating the config threw`);
    expect(output).toContain('unknown preset "open-router" (known presets: gemini, xai, mistral, moonshot, qwen, zai, groq, fireworks, together, ollama, vllm, lmstudio, openrouter)');
  });

  it('a base URL that is not a URL: the option names the field, the variable names itself', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${header}import groq from 'aurora/plugins/groq';\nexport default defineConfig({ plugins: [auth(), groq({ baseUrl: 'api.groq.com/openai/v1' })] });\n`);
    const option = await runCore(['--config', file, '--check'], NO_KEYS);
    expect(option.code).toBe(1);
    expect(option.output).toContain(`Invalid config in ${file}`);
    expect(option.output).toContain('plugins[1] groq: baseUrl must match format "uri"');

    const fromEnv = await writeConfig(dir, `${header}import presets from 'aurora/plugins/presets';\nexport default defineConfig({ plugins: [auth(), ...presets()] });\n`, 'env.config.ts');
    const variable = await runCore(['--config', fromEnv, '--check'], { ...NO_KEYS, MISTRAL_API_KEY: 'sk-m', MISTRAL_BASE_URL: 'mistral.example' });
    expect(variable.code).toBe(1);
    expect(variable.output).toContain('MISTRAL_BASE_URL="mistral.example" is not a URL: set it to the base URL of Mistral\'s OpenAI-compatible API (default https://api.mistral.ai/v1), or unset it');
    // The config line that enabled it, not a stack into the gateway.
    expect(variable.output).toContain(`${fromEnv}:4:`);
    expect(variable.output).not.toContain('/dist/');
  });

  it('openai-compatible without a base URL says so', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${header}import compatible from 'aurora/plugins/openai-compatible';\nexport default defineConfig({ plugins: [auth(), compatible({} as any)] });\n`);
    const { code, output } = await runCore(['--config', file, '--check'], NO_KEYS);
    expect(code).toBe(1);
    expect(output).toContain("plugins[1] openai-compatible: options must have required property 'baseUrl'");
  });
});

describe('a preset without its key', () => {
  it('starts, and its requests get 400 provider_not_configured naming the variable', async () => {
    const saved = process.env.OPENROUTER_API_KEY;
    delete process.env.OPENROUTER_API_KEY;
    const gw = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openrouter({ baseUrl: `${mock.url}/v1` })] });
    try {
      const res = await post(`${gw.baseUrl}/responses`, { model: 'anthropic/claude-sonnet-4.5', input: 'hi' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as JsonObject;
      expect(body.error.code).toBe('provider_not_configured');
      expect(body.error.message).toContain('OPENROUTER_API_KEY');
    } finally {
      await gw.close();
      if (saved !== undefined) process.env.OPENROUTER_API_KEY = saved;
    }
  });

  it('presets() enables exactly the presets whose key or local base URL is set', () => {
    const names = (env: Record<string, string>) => presets({ env }).map((p) => p.name);
    expect(names({})).toEqual([]);
    expect(names({ OPENROUTER_API_KEY: 'k', GROQ_API_KEY: 'k' })).toEqual(['groq', 'openrouter']);
    expect(names({ OLLAMA_BASE_URL: 'http://127.0.0.1:11434/v1', VLLM_BASE_URL: 'http://127.0.0.1:8000/v1', LMSTUDIO_API_KEY: '' })).toEqual(['ollama', 'vllm']);
  });
});
