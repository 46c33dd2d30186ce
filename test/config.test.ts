/**
 * `node core` with good and bad configs, run as a user runs it (the built entry in a child
 * process). Every startup failure names the file, the line or field, and the fix.
 */
import { join } from 'node:path';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockUpstream, type MockUpstream } from 'aurora/testing';
import { MASTER_KEY, SEED, UPSTREAM_KEY, post, runCore, startCore, tempDir, writeConfig } from './helpers.ts';

let mock: MockUpstream;
beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
});
afterAll(() => mock.close());

const header = `import { defineConfig } from 'aurora';\nimport auth from 'aurora/plugins/auth';\nimport openai from 'aurora/plugins/openai';\n`;

async function failWith(source: string, extra: Record<string, string> = {}) {
  const dir = await tempDir();
  const file = await writeConfig(dir, source);
  for (const [name, text] of Object.entries(extra)) await writeConfig(dir, text, name);
  const { code, output } = await runCore(['--config', file]);
  expect(code).toBe(1);
  // No stray bundle is left beside the user's file.
  expect((await readdir(dir)).filter((f) => f.endsWith('.mjs'))).toEqual([]);
  return { file, output };
}

describe('config errors stop startup with a clear message', () => {
  it('a syntax error names file:line:col', async () => {
    const { file, output } = await failWith(`${header}export default defineConfig({\n  plugins: [auth(),, openai( ],\n});\n`);
    expect(output).toContain(`${file}:5:`);
    expect(output).toMatch(/Fix the error above/);
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('a missing relative import names the import', async () => {
    const { file, output } = await failWith(`${header}import mine from './my-provider';\nexport default defineConfig({ plugins: [mine()] });\n`);
    expect(output).toContain(file);
    expect(output).toContain('./my-provider');
    expect(output).toContain('check the relative path');
  });

  it('a missing npm package says to install it', async () => {
    const { file, output } = await failWith(`${header}import thing from 'aurora-plugin-that-does-not-exist';\nexport default defineConfig({ plugins: [thing()] });\n`);
    expect(output).toContain(`${file} imports "aurora-plugin-that-does-not-exist", which is not installed`);
    expect(output).toContain('npm install aurora-plugin-that-does-not-exist');
  });

  it('an unknown plugin option names the plugin, the option and the known ones', async () => {
    const { file, output } = await failWith(`${header}export default defineConfig({ plugins: [auth(), openai({ apikey: 'x' } as any)] });\n`);
    expect(output).toContain(`Invalid config in ${file}`);
    expect(output).toContain('plugins[1] openai: options: unknown option "apikey" (known options: name, baseUrl, apiKey');
  });

  it('a wrong type names the field path', async () => {
    const { output } = await failWith(`${header}export default defineConfig({ server: { port: 'eighty' as any }, plugins: [auth(), openai({ models: 'gpt-4' as any })] });\n`);
    expect(output).toContain('config.server.port must be an integer');
    expect(output).toContain('plugins[1] openai: models must be an array');
  });

  it('a misspelt hook is refused with a suggestion', async () => {
    const { output } = await failWith(`${header}export default defineConfig({ plugins: [auth(), { name: 'mine', transfromRequest: (r: any) => r } as any] });\n`);
    expect(output).toContain('plugins[1] mine: "transfromRequest" is not a hook (did you mean "transformRequest"?)');
  });

  it('a config that throws while evaluating points at the config', async () => {
    const { file, output } = await failWith(`${header}const table: any = undefined;\nexport default defineConfig({ plugins: [auth(), openai({ models: table.models })] });\n`);
    expect(output).toContain(`${file}: evaluating the config threw`);
    expect(output).toContain("reading 'models'");
  });

  it('a missing config file says how to provide one', async () => {
    const dir = await tempDir();
    const { code, output } = await runCore([], { AURORA_CONFIG: undefined }, dir);
    expect(code).toBe(1);
    expect(output).toContain(`No aurora.config.ts in ${dir}`);
    expect(output).toContain('--config');
  });
});

describe('a user config outside the repository', () => {
  it('loads its own plugin file, shares the core instance, and serves', async () => {
    const dir = await tempDir();
    await writeConfig(dir, `import { GatewayError, definePlugin, type Plugin } from 'aurora';
export default function blockModel(model: string): Plugin {
  return definePlugin({
    name: 'block-model',
    resolveModel(requested) {
      // A GatewayError from the user's own copy of the import must still be recognised by the core.
      if (requested === model) throw new GatewayError('AURORA_ERR_PERMISSION_DENIED', { args: [\`\${model} is blocked here\`], param: 'model' });
      return undefined;
    },
  });
}
`, 'my-plugin.ts');
    const file = await writeConfig(dir, `${header}import blockModel from './my-plugin';
export default defineConfig({
  server: { port: 0 },
  plugins: [auth(), blockModel('gpt-blocked'), openai({ baseUrl: '${mock.url}/v1', apiKey: process.env.TEST_UPSTREAM_KEY })],
});
`);
    const check = await runCore(['--config', file, '--check'], { TEST_UPSTREAM_KEY: UPSTREAM_KEY });
    expect(check.code).toBe(0);
    expect(check.output).toContain('plugins:   auth, block-model, openai');
    expect(check.output).toContain(`provider:  openai → ${mock.url}/v1  models: *`);
    expect(check.output).not.toContain(UPSTREAM_KEY);

    const core = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY, TEST_UPSTREAM_KEY: UPSTREAM_KEY });
    try {
      const ok = await post(`${core.url}/v1/responses`, SEED);
      expect(ok.status).toBe(200);
      expect((await ok.json()).output[0].content[0].text).toBe('ok');
      const blocked = await post(`${core.url}/v1/responses`, { ...SEED, model: 'gpt-blocked' });
      expect(blocked.status).toBe(403);
      expect((await blocked.json()).error).toEqual({ message: 'gpt-blocked is blocked here', type: 'invalid_request_error', param: 'model', code: 'permission_denied' });
      expect(core.output()).not.toContain(MASTER_KEY);
      expect(core.output()).not.toContain(UPSTREAM_KEY);
    } finally {
      core.child.kill('SIGTERM');
      expect(await core.exited).toBe(0);
    }
    expect((await readdir(dir)).filter((f) => f.endsWith('.mjs'))).toEqual([]);
  });

  it('without a master key binds loopback only and warns', async () => {
    const dir = await tempDir();
    const file = await writeConfig(dir, `${header}export default defineConfig({ server: { host: '0.0.0.0', port: 0 }, plugins: [auth(), openai({ baseUrl: '${mock.url}/v1', apiKey: 'x' })] });\n`);
    const core = await startCore(['--config', file], { AURORA_MASTER_KEY: undefined });
    try {
      expect(core.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
      expect(core.output()).toContain('AURORA_MASTER_KEY is not set');
      expect(core.output()).toContain('refusing to listen on 0.0.0.0');
    } finally {
      core.child.kill('SIGTERM');
      await core.exited;
    }
  });
});

it('--help lists the commands the config\'s plugins add', async () => {
  const { code, output } = await runCore(['--help'], { AURORA_CONFIG: undefined }, join(__dirname, '..'));
  expect(code).toBe(0);
  expect(output).toContain('Usage: node core');
  expect(output).toMatch(/keys\s+create, list and revoke managed API keys/);
});

it('the default aurora.config.ts of the repository validates', async () => {
  const { code, output } = await runCore(['--check'], { AURORA_CONFIG: undefined }, join(__dirname, '..'));
  expect(output).toContain('aurora.config.ts: OK');
  expect(output).toContain('provider:  deepseek → https://api.deepseek.com  models: deepseek-v4-pro, deepseek-v4-flash');
  expect(code).toBe(0);
});
