/** Running the gateway: request logs, /metrics, /ready, --watch hot reload and --workers. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestGateway, iterateSseEvents, readSseEvents, startMockUpstream } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, SEED, UPSTREAM_KEY, emulatedGateway, passthrough, post, startCore, tempDir, writeConfig, writePassthroughConfig } from './helpers.ts';

const suite = emulatedGateway((mock) => passthrough(mock));

async function until(check: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('logs', () => {
  it('one structured line per request, with id, route, status and duration, and no secrets or bodies', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, input: 'Reply with exactly ok — private prompt text' });
    const id = res.headers.get('x-request-id');
    await res.text();
    await until(() => suite.gw.logs.some((l) => l.requestId === id && l.msg === 'request'), 'the request log line');
    const line = suite.gw.logs.find((l) => l.requestId === id && l.msg === 'request')!;
    expect(line).toMatchObject({ level: 'info', method: 'POST', path: '/v1/responses', status: 200, outcome: 'ok', model: 'gpt-4.1-mini', provider: 'openai', principal: 'master' });
    expect(typeof line.ms).toBe('number');
    const all = JSON.stringify(suite.gw.logs);
    expect(all).not.toContain('private prompt text');
    expect(all).not.toContain(MASTER_KEY);
    expect(all).not.toContain(UPSTREAM_KEY);
  });
});

describe('/metrics and /ready', () => {
  it('counts requests, tokens, latency and open streams in Prometheus format', async () => {
    await (await post(`${suite.gw.baseUrl}/responses`, SEED)).text();
    await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }));
    await (await post(`${suite.gw.baseUrl}/responses`, SEED, { key: 'wrong-key-000' })).text();
    const res = await fetch(`${suite.gw.url}/metrics`);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toMatch(/aurora_requests_total\{endpoint="responses",provider="openai",model="gpt-4\.1-mini",status="200",outcome="ok"\} \d+/);
    expect(text).toMatch(/aurora_requests_total\{[^}]*status="401"[^}]*\} 1/);
    expect(text).toMatch(/aurora_tokens_total\{provider="openai",model="gpt-4\.1-mini",kind="input"\} [1-9]\d*/);
    expect(text).toMatch(/aurora_request_duration_seconds_bucket\{/);
    expect(text).toMatch(/aurora_time_to_first_byte_seconds_count\{endpoint="responses",provider="openai"\} [1-9]/);
    expect(text).toContain('aurora_open_streams 0');
    expect(text).toContain('aurora_process_resident_memory_bytes');
  });

  it('a Chat stream whose client did not ask for usage is still counted, and the client gets no chunk it did not ask for', async () => {
    const chat = { model: 'gpt-chat-usage-probe', messages: [{ role: 'user', content: 'Reply with exactly ok' }], stream: true };
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/chat/completions`, chat));
    expect(events.at(-1)!.data).toBe('[DONE]');
    expect(events.filter((e) => e.json && Array.isArray(e.json.choices) && e.json.choices.length === 0)).toEqual([]);
    expect(suite.mock.requests.at(-1)!.body.stream_options).toEqual({ include_usage: true });
    const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
    expect(text).toMatch(/aurora_tokens_total\{provider="openai",model="gpt-chat-usage-probe",kind="output"\} [1-9]/);
  });

  it('open streams are counted while they run', async () => {
    suite.mock.enqueue({ fault: 'never-end', events: 2 });
    const controller = new AbortController();
    const events = iterateSseEvents(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }, { signal: controller.signal }));
    await events.next();
    expect(await (await fetch(`${suite.gw.url}/metrics`)).text()).toContain('aurora_open_streams 1');
    controller.abort();
    await until(() => true, 'noop');
  });

  it('/ready answers 200 while serving', async () => {
    const res = await fetch(`${suite.gw.url}/ready`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ready).toBe(true);
    expect(body.upstreams).toEqual(expect.arrayContaining([{ target: 'openai', provider: 'openai', state: 'closed', setAside: false }]));
  });
});

describe('/metrics stays bounded whatever clients send', () => {
  it('a 1 MB model name is refused and never becomes a label', async () => {
    const before = (await (await fetch(`${suite.gw.url}/metrics`)).text()).length;
    for (let i = 0; i < 5; i++) await (await post(`${suite.gw.baseUrl}/responses`, { ...SEED, model: `${i}${'m'.repeat(1024 * 1024)}` })).text();
    const text = await (await fetch(`${suite.gw.url}/metrics`)).text();
    expect(text).not.toContain('m'.repeat(300));
    expect(text.length - before).toBeLessThan(4096);
  });

  it('models nobody serves fold into one label; served models are capped at 100 label values', async () => {
    const narrow = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${suite.mock.url}/v1`, apiKey: UPSTREAM_KEY, models: ['gpt-*'] })] });
    try {
      for (let i = 0; i < 150; i++) await (await post(`${narrow.baseUrl}/responses`, { ...SEED, model: `unknown-${i}` })).text();
      for (let i = 0; i < 150; i++) await (await post(`${narrow.baseUrl}/responses`, { ...SEED, model: `gpt-probe-${i}` })).text();
      const text = await (await fetch(`${narrow.url}/metrics`)).text();
      const models = new Set([...text.matchAll(/aurora_requests_total\{[^}]*model="([^"]*)"/g)].map((m) => m[1]));
      expect([...models].some((m) => m!.startsWith('unknown-'))).toBe(false);
      expect(models.has('none')).toBe(true);
      expect(models.has('other')).toBe(true);
      expect(models.size).toBeLessThanOrEqual(102);
    } finally {
      await narrow.close();
    }
  });
});

describe('failed streams count as failures', () => {
  it('a translated DeepSeek stream that fails mid-way: outcome error in the log and the upstream error counter', async () => {
    const ds = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: suite.mock.url })] });
    try {
      suite.mock.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'a b c d e', content: 'partial answer' } });
      const res = await post(`${ds.baseUrl}/responses`, { model: 'deepseek-v4-pro', input: 'hi', stream: true });
      const id = res.headers.get('x-request-id');
      expect((await readSseEvents(res)).at(-1)!.event).toBe('response.failed');
      await until(() => ds.logs.some((l) => l.requestId === id && l.msg === 'request'), 'the request log line');
      expect(ds.logs.find((l) => l.requestId === id && l.msg === 'request')).toMatchObject({ status: 200, outcome: 'error' });
      const text = await (await fetch(`${ds.url}/metrics`)).text();
      expect(text).toMatch(/aurora_upstream_errors_total\{provider="deepseek",code="[a-z_]+"\} 1/);
      expect(text).toMatch(/aurora_requests_total\{endpoint="responses",provider="deepseek",model="deepseek-v4-pro",status="200",outcome="error"\} 1/);
    } finally {
      await ds.close();
    }
  });
});

describe('node core --watch', () => {
  it('swaps the pipeline on change without dropping in-flight requests, and keeps it on a broken edit', async () => {
    const slow = await startMockUpstream({ apiKey: UPSTREAM_KEY, chunkDelayMs: 60, streamChunks: 6 });
    const dir = await tempDir();
    const config = (models: string) => `import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import { models } from './models';
export default defineConfig({ server: { port: 0 }, plugins: [auth(), openai({ baseUrl: '${slow.url}/v1', apiKey: '${UPSTREAM_KEY}', models })] });
${models}`;
    const file = await writeConfig(dir, config(''));
    await writeConfig(dir, `export const models = ['gpt-a*'];\n`, 'models.ts');
    const core = await startCore(['--config', file, '--watch'], { AURORA_MASTER_KEY: MASTER_KEY });
    const reloads = () => (core.output().match(/config reloaded/g) ?? []).length;
    try {
      expect((await post(`${core.url}/v1/responses`, { ...SEED, model: 'gpt-b' })).status).toBe(404);
      // A stream in flight on the old pipeline…
      const inflight = post(`${core.url}/v1/responses`, { ...SEED, model: 'gpt-a1', input: 'a long answer please', stream: true }).then(readSseEvents);
      await new Promise((r) => setTimeout(r, 100));
      // …while a file the config imports changes.
      await writeFile(join(dir, 'models.ts'), `export const models = ['gpt-*'];\n`);
      await until(() => reloads() === 1, 'the first reload');
      expect((await post(`${core.url}/v1/responses`, { ...SEED, model: 'gpt-b' })).status).toBe(200);
      const events = await inflight;
      expect(events.at(-1)!.event).toBe('response.completed');

      // A broken edit is reported with file:line and the previous pipeline keeps serving.
      await writeFile(file, config('export const broken = ;'));
      await until(() => core.output().includes('config reload failed'), 'the failed reload');
      expect(core.output()).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+`));
      expect((await post(`${core.url}/v1/responses`, { ...SEED, model: 'gpt-b' })).status).toBe(200);
    } finally {
      core.child.kill('SIGTERM');
      expect(await core.exited).toBe(0);
      await slow.close();
    }
  });
});

describe('node core --workers', () => {
  it('runs two processes on one port and stops both on SIGTERM', async () => {
    const { file } = await writePassthroughConfig(suite.mock);
    const core = await startCore(['--config', file, '--workers', '2'], { AURORA_MASTER_KEY: MASTER_KEY });
    try {
      await until(() => (core.output().match(/Aurora listening on/g) ?? []).length === 2, 'two workers');
      const pids = new Set([...core.output().matchAll(/"pid":(\d+)[^\n]*Aurora listening on/g)].map((m) => m[1]));
      expect(pids.size).toBe(2);
      const urls = new Set([...core.output().matchAll(/Aurora listening on (http:\/\/[\d.:]+)/g)].map((m) => m[1]));
      expect(urls.size).toBe(1); // one shared port
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(`${core.url}/v1/responses`, SEED).then((r) => r.status)));
      expect(answers.every((s) => s === 200)).toBe(true);
    } finally {
      core.child.kill('SIGTERM');
      expect(await core.exited).toBe(0);
    }
  });

  it('exits with the reason when the workers cannot start, rather than waiting on them', async () => {
    const { file } = await writePassthroughConfig(suite.mock, {
      imports: "import { definePlugin } from 'aurora';",
      extra: () => "definePlugin({ name: 'needs-one-process', setup() { throw new Error('needs-one-process: run one worker'); } })",
    });
    const started = startCore(['--config', file, '--workers', '2'], { AURORA_MASTER_KEY: MASTER_KEY });
    await expect(started).rejects.toThrow(/exited with 1 before listening[\s\S]*needs-one-process: run one worker/);
  });
});
