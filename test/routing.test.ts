/**
 * Routing: aliases, fallbacks across providers, circuit breakers and pools, each against the
 * emulated upstreams on loopback (a closed port for a provider that refuses, scripted hangs, 429s,
 * 5xx and cut streams). What the client gets, what each upstream saw, and what the gateway says
 * about it (the audit's attempts, /metrics, /ready, the admin API).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type AuditRecord } from 'aurora';
import { createTestGateway, readSseEvents, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, UPSTREAM_KEY, buildIfStale, closedPort, post, runCore, tempDir, writeConfig } from './helpers.ts';

let primary: MockUpstream;
let secondary: MockUpstream;
const audits: AuditRecord[] = [];
const recordAudits = { name: 'records', onAudit: (record: AuditRecord) => void audits.push(record) };
const gateways: TestGateway[] = [];

beforeAll(async () => {
  primary = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  secondary = await startMockUpstream({ apiKey: UPSTREAM_KEY });
});
afterAll(async () => {
  await primary.close();
  await secondary.close();
});
afterEach(async () => {
  for (const gw of gateways.splice(0)) await gw.close();
  audits.length = 0;
  primary.reset();
  secondary.reset();
});

/** DeepSeek first (on `deepseekUrl`), OpenAI's gpt-5.5 on the secondary emulator when it fails. */
async function chain(deepseekUrl: string, routing: Record<string, unknown> = {}) {
  const gw = await createTestGateway({
    routing: { fallbacks: { 'deepseek-*': ['gpt-5.5'] }, attemptTimeoutMs: 400, ...routing },
    plugins: [
      auth({ masterKey: MASTER_KEY }),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: deepseekUrl }),
      openai({ apiKey: UPSTREAM_KEY, baseUrl: `${secondary.url}/v1`, models: ['gpt-*'] }),
      recordAudits,
    ],
  });
  gateways.push(gw);
  return gw;
}

const ask = (gw: TestGateway, body: Record<string, unknown>, path = '/responses') => post(`${gw.baseUrl}${path}`, { model: 'deepseek-v4-pro', input: 'Reply with exactly ok', ...body });
const lastAudit = async () => {
  await expect.poll(() => audits.length).toBeGreaterThan(0);
  return audits.at(-1)!;
};

describe('aliases', () => {
  it('a client-facing name is served as the model it names, listed in /v1/models, recorded under both names', async () => {
    const gw = await createTestGateway({ routing: { aliases: { 'codex-default': 'deepseek-v4-pro' } }, plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: primary.url }), recordAudits] });
    gateways.push(gw);
    const res = await post(`${gw.baseUrl}/responses`, { model: 'codex-default', input: 'Reply with exactly ok' });
    expect(res.status).toBe(200);
    expect((await res.json()).model).toBe('codex-default');
    expect(primary.requests.at(-1)!.body.model).toBe('deepseek-v4-pro');
    expect(await lastAudit()).toMatchObject({ model: 'codex-default', upstreamModel: 'deepseek-v4-pro', provider: 'deepseek' });
    const models = await (await fetch(`${gw.baseUrl}/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(['codex-default', 'deepseek-v4-pro']));
  });
});

describe('fallbacks', () => {
  it('DeepSeek refusing connections: the answer comes from OpenAI, stream and not, Responses and Chat', async () => {
    const gw = await chain(`http://127.0.0.1:${await closedPort()}`);
    const whole = await ask(gw, {});
    expect(whole.status).toBe(200);
    expect((await whole.json()).output.at(-1).content[0].text).toBe('ok');
    const streamed = await readSseEvents(await ask(gw, { stream: true }));
    expect(streamed.at(-1)!.event).toBe('response.completed');
    const chat = await post(`${gw.baseUrl}/chat/completions`, { model: 'deepseek-v4-pro', messages: [{ role: 'user', content: 'Reply with exactly ok' }] });
    expect((await chat.json()).choices[0].message.content).toBe('ok');
    expect(secondary.requests.map((r) => r.body.model)).toEqual(['gpt-5.5', 'gpt-5.5', 'gpt-5.5']);
    const record = await lastAudit();
    expect(record).toMatchObject({ provider: 'openai', upstreamModel: 'gpt-5.5', outcome: 'ok' });
    expect(record.annotations.attempts).toEqual([
      { model: 'deepseek-v4-pro', provider: 'deepseek', target: 'deepseek', outcome: 'failed', reason: 'upstream_unreachable', ms: expect.any(Number) },
      { model: 'gpt-5.5', provider: 'openai', target: 'openai', outcome: 'ok', status: 200, ms: expect.any(Number) },
    ]);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain('aurora_upstream_attempts_total{provider="deepseek",outcome="failed"} 3');
    expect(metrics).toContain('aurora_upstream_attempts_total{provider="openai",outcome="ok"} 3');
    expect(metrics).toContain('aurora_fallbacks_total{from="deepseek",to="openai"} 3');
  });

  it('DeepSeek hanging before its headers: after attemptTimeoutMs the answer comes from OpenAI', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ fault: 'hang-before-headers' });
    const dropped = primary.nextClientAbort();
    const res = await ask(gw, { stream: true });
    expect((await readSseEvents(res)).at(-1)!.event).toBe('response.completed');
    expect((await lastAudit()).annotations.attempts).toMatchObject([{ provider: 'deepseek', outcome: 'failed', reason: 'upstream_timeout' }, { provider: 'openai', outcome: 'ok' }]);
    // The request given up on was dropped, not left open on the hanging upstream.
    await dropped;
  });

  it('a client leaving mid-stream still drops the upstream request of an attempt that had a fallback', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ fault: 'never-end', events: 3 });
    const upstreamClosed = primary.nextClientAbort();
    const leave = new AbortController();
    const res = await fetch(`${gw.baseUrl}/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'deepseek-v4-pro', input: 'hi', stream: true }),
      signal: leave.signal,
    });
    await res.body!.getReader().read();
    leave.abort();
    await upstreamClosed;
  });

  it('a passthrough pool member hanging: its upstream request is dropped and the next member answers', async () => {
    const gw = await createTestGateway({
      routing: { attemptTimeoutMs: 300 },
      plugins: [auth({ masterKey: MASTER_KEY }), openai({ apiKey: UPSTREAM_KEY, pool: [{ name: 'a', baseUrl: `${primary.url}/v1` }, { name: 'b', baseUrl: `${secondary.url}/v1` }] })],
    });
    gateways.push(gw);
    primary.enqueue({ fault: 'hang-before-headers' });
    const dropped = primary.nextClientAbort();
    const res = await post(`${gw.baseUrl}/responses`, { model: 'gpt-5.5', input: 'hi' });
    expect(res.status).toBe(200);
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(1);
    await dropped;
  });

  it('a 429 hands over to OpenAI and sets DeepSeek aside for its Retry-After: the next request does not try it', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ http: { status: 429, headers: { 'retry-after': '30' }, body: { error: { message: 'Rate limit reached', type: 'rate_limit_error' } } } });
    expect((await ask(gw, {})).status).toBe(200);
    const before = primary.requests.length;
    expect((await ask(gw, {})).status).toBe(200);
    expect(primary.requests.length).toBe(before);
    expect((await lastAudit()).annotations.attempts).toMatchObject([{ provider: 'deepseek', outcome: 'skipped', reason: 'unavailable' }, { provider: 'openai', outcome: 'ok' }]);
  });

  it('500 and 503 hand over; a 400 (the request\'s own fault) is the answer', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ http: { status: 500, body: { error: { message: 'boom' } } } });
    expect((await ask(gw, {})).status).toBe(200);
    // The request succeeded; the failed attempt is in its attempts, not its outcome.
    expect(await lastAudit()).toMatchObject({ outcome: 'ok', status: 200, error: null, annotations: { attempts: [{ provider: 'deepseek', outcome: 'failed', status: 500 }, { provider: 'openai', outcome: 'ok', status: 200 }] } });
    primary.enqueue({ http: { status: 503, body: { error: { message: 'busy' } } } });
    expect((await ask(gw, {})).status).toBe(200);
    primary.enqueue({ http: { status: 400, body: { error: { message: 'bad request', type: 'invalid_request_error' } } } });
    const refused = await ask(gw, {});
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.message).toBe('bad request');
    expect(secondary.requests.length).toBe(2);
  });

  it('every route failing: the client gets the last upstream answer as it came', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ http: { status: 503, body: { error: { message: 'deepseek busy' } } } });
    secondary.enqueue({ http: { status: 502, body: { error: { message: 'openai bad gateway' } } } });
    const res = await ask(gw, {});
    expect(res.status).toBe(502);
    expect((await res.json()).error.message).toBe('openai bad gateway');
    expect(await lastAudit()).toMatchObject({ outcome: 'error' });
  });

  it('never after a byte reached the client: a stream cut mid-way ends with response.failed', async () => {
    const gw = await chain(primary.url);
    primary.enqueue({ fault: 'reset-after', events: 3, turn: { reasoning: 'a b c d', content: 'partial' } });
    const events = await readSseEvents(await ask(gw, { stream: true }));
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(secondary.requests.length).toBe(0);
  });

  it('a fallback is translated for its own provider (Responses to DeepSeek Chat when OpenAI fails)', async () => {
    const gw = await createTestGateway({
      routing: { fallbacks: { 'gpt-*': ['deepseek-v4-pro'] } },
      plugins: [auth({ masterKey: MASTER_KEY }), deepseek({ apiKey: UPSTREAM_KEY, baseUrl: primary.url }), openai({ apiKey: UPSTREAM_KEY, baseUrl: `${secondary.url}/v1`, models: ['gpt-*'] })],
    });
    gateways.push(gw);
    secondary.enqueue({ http: { status: 503, body: { error: { message: 'busy' } } } });
    const res = await post(`${gw.baseUrl}/responses`, { model: 'gpt-5.5', input: 'Reply with exactly ok', stream: true });
    expect((await readSseEvents(res)).at(-1)!.event).toBe('response.completed');
    expect(primary.requests.at(-1)!.path).toBe('/chat/completions');
    expect(primary.requests.at(-1)!.body.messages.at(-1)).toEqual({ role: 'user', content: 'Reply with exactly ok' });
  });
});

describe('circuit breakers', () => {
  it('open after the configured failures, skip the provider, half-open after openMs, close on a good probe', async () => {
    const gw = await chain(primary.url, { breaker: { failures: 2, openMs: 300 } });
    const breaker = async () => {
      const text = await (await fetch(`${gw.url}/metrics`)).text();
      return /aurora_breaker_state\{provider="deepseek",target="deepseek"\} (\d)/.exec(text)?.[1];
    };
    for (let i = 0; i < 2; i++) {
      primary.enqueue({ http: { status: 500, body: { error: { message: 'down' } } } });
      expect((await ask(gw, {})).status).toBe(200);
    }
    expect(await breaker()).toBe('2');
    const seen = primary.requests.length;
    expect((await ask(gw, {})).status).toBe(200);
    expect(primary.requests.length).toBe(seen); // skipped at once: no request reached DeepSeek
    const routing = await (await fetch(`${gw.url}/admin/api/v1/routing`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    expect(routing.targets).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'deepseek', state: 'open' })]));
    expect((await (await fetch(`${gw.url}/ready`)).json()).upstreams).toEqual([
      { target: 'deepseek', provider: 'deepseek', state: 'open', setAside: false },
      { target: 'openai', provider: 'openai', state: 'closed', setAside: false },
    ]);

    await new Promise((r) => setTimeout(r, 350));
    expect((await ask(gw, {})).status).toBe(200); // the probe, answered by a recovered DeepSeek
    expect(primary.requests.length).toBe(seen + 1);
    expect(await breaker()).toBe('0');
  });

  it('a failed probe opens the breaker again', async () => {
    const gw = await chain(primary.url, { breaker: { failures: 1, openMs: 200 } });
    primary.enqueue({ http: { status: 500, body: 'down' } });
    await ask(gw, {});
    await new Promise((r) => setTimeout(r, 250));
    primary.enqueue({ http: { status: 500, body: 'still down' } });
    await ask(gw, {});
    const seen = primary.requests.length;
    await ask(gw, {});
    expect(primary.requests.length).toBe(seen);
  });
});

describe('pools', () => {
  it('spreads by weight over healthy targets; one down costs no client an error', async () => {
    const third = await startMockUpstream({ apiKey: UPSTREAM_KEY });
    const down = `http://127.0.0.1:${await closedPort()}/v1`;
    try {
      const gw = await createTestGateway({
        routing: { breaker: { failures: 1, openMs: 60_000 } },
        plugins: [auth({ masterKey: MASTER_KEY }), openai({ apiKey: UPSTREAM_KEY, pool: [{ name: 'a', baseUrl: `${primary.url}/v1`, weight: 2 }, { name: 'down', baseUrl: down }, { name: 'c', baseUrl: `${third.url}/v1`, weight: 1 }] })],
      });
      gateways.push(gw);
      const statuses: number[] = [];
      const queue = Array.from({ length: 60 }, (_, i) => i);
      await Promise.all(Array.from({ length: 6 }, async () => {
        for (let i = queue.shift(); i !== undefined; i = queue.shift()) statuses.push((await post(`${gw.baseUrl}/responses`, { model: 'gpt-5.5', input: `n${i}` })).status);
      }));
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      const a = primary.requests.length;
      const c = third.requests.length;
      expect(a + c).toBe(60);
      // Weights 2:1 over the healthy targets (the one down is skipped once its breaker opened).
      expect(a / c).toBeGreaterThan(1.4);
      expect(a / c).toBeLessThan(2.8);
    } finally {
      await third.close();
    }
  });

  it('a target whose key is refused (401) is set aside; its requests go to the next key', async () => {
    const gw = await createTestGateway({
      plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${primary.url}/v1`, pool: [{ name: 'revoked', apiKey: 'sk-revoked-000000000' }, { name: 'good', apiKey: UPSTREAM_KEY }] }), recordAudits],
    });
    gateways.push(gw);
    for (let i = 0; i < 4; i++) expect((await post(`${gw.baseUrl}/responses`, { model: 'gpt-5.5', input: 'hi' })).status).toBe(200);
    const refused = primary.requests.filter((r) => r.headers.authorization === 'Bearer sk-revoked-000000000').length;
    expect(refused).toBe(1);
    expect((await lastAudit()).annotations).toMatchObject({ target: 'openai#good' });
    const routing = await (await fetch(`${gw.url}/admin/api/v1/routing`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    expect(routing.targets.map((t: { id: string; setAsideReason: string | null }) => [t.id, t.setAsideReason])).toEqual([['openai#revoked', 'key refused (401)'], ['openai#good', null]]);
    expect(JSON.stringify(routing)).not.toContain('sk-revoked');
  });
});

describe('routing config is checked at start', () => {
  it('a routing config in aurora.config.ts validates and the banner shows aliases, fallbacks and every target\'s breaker', async () => {
    buildIfStale();
    const dir = await tempDir();
    const file = await writeConfig(dir, `import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
export default defineConfig({
  routing: { aliases: { 'codex-default': 'deepseek-v4-pro' }, fallbacks: { 'deepseek-*': ['gpt-5.5'] }, breaker: { failures: 3 } },
  plugins: [
    auth(),
    deepseek({ apiKey: 'sk-ds' }),
    openai({ models: ['gpt-*'], pool: [{ name: 'us', apiKey: 'sk-us', weight: 2 }, { name: 'eu', apiKey: 'sk-eu', baseUrl: 'https://eu.example/v1' }] }),
  ],
});
`);
    const { code, output } = await runCore(['--config', file, '--check']);
    expect(code).toBe(0);
    expect(output).toContain('alias:     codex-default → deepseek-v4-pro');
    expect(output).toContain('fallback:  deepseek-* → gpt-5.5');
    expect(output).toContain('breakers:  deepseek closed · openai#us closed · openai#eu closed');
    expect(output).not.toContain('sk-us');
    expect(output).not.toContain('no API key');
  });


  const start = (config: Parameters<typeof createGateway>[0]) => createGateway({ log: { level: 'silent' }, ...config }).then((gw) => gw.close());

  it('a fallback or an alias to a model no plugin serves', async () => {
    await expect(start({ routing: { fallbacks: { 'deepseek-*': ['gpt-5.5'] } }, plugins: [deepseek({ apiKey: 'k' })] })).rejects.toThrow(/routing\.fallbacks\['deepseek-\*'\]\[0\]: no plugin serves the model "gpt-5\.5"/);
    await expect(start({ routing: { aliases: { fast: 'deepseek-v9' } }, plugins: [deepseek({ apiKey: 'k' })] })).rejects.toThrow(/routing\.aliases\['fast'\]: no plugin serves the model "deepseek-v9"/);
  });

  it('a cycle of aliases', async () => {
    await expect(start({ routing: { aliases: { a: 'b', b: 'c', c: 'a' } }, plugins: [] })).rejects.toThrow(/routing\.aliases: a → b → c → a is a cycle/);
  });

  it('a pool with no members, and unknown routing options', async () => {
    await expect(start({ plugins: [openai({ apiKey: 'k', pool: [] })] })).rejects.toThrow(/pool must NOT have fewer than 1 items/);
    await expect(start({ routing: { fallback: {} } as never, plugins: [] })).rejects.toThrow(/unknown option "fallback"/);
  });
});
