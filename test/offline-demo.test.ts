/**
 * `npm run demo` as a new user runs it: the emulated upstream and `node core` with the default
 * config, no key and no network. A model of each built-in provider answers through it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, buildIfStale } from './helpers.ts';

const MASTER = 'change-me';
let demo: ReturnType<typeof spawn>;
let url: string;

beforeAll(async () => {
  buildIfStale();
  demo = spawn(process.execPath, [join(ROOT, 'examples/offline-demo/demo.mjs')], { cwd: ROOT, env: { ...process.env, AURORA_PORT: '0', AURORA_MASTER_KEY: MASTER }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  url = await new Promise<string>((resolve, reject) => {
    const seen = (d: Buffer) => {
      out += d;
      const m = /Aurora listening on (http:\/\/[\d.:]+)/.exec(out);
      if (m) resolve(m[1]!);
    };
    demo.stdout!.on('data', seen);
    demo.stderr!.on('data', seen);
    demo.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${out}`)));
  });
}, 120_000);
afterAll(async () => {
  if (demo.exitCode === null) {
    const exited = new Promise((resolve) => demo.once('exit', resolve));
    demo.kill('SIGTERM');
    await exited;
  }
});

describe('npm run demo', () => {
  it.each(['gpt-4.1-mini', 'deepseek-v4-pro', 'claude-sonnet-4-5'])('%s answers through the gateway', async (model) => {
    const res = await fetch(`${url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, input: 'Reply with exactly ok', max_output_tokens: 16 }),
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = await res.json();
    expect(body.output.at(-1).content[0].text).toBe('ok');
  });
});
