/**
 * A gateway without a master key is open to local callers: it must stay out of reach of web pages
 * the user visits (CSRF with simple requests) and of DNS rebinding (a foreign Host name).
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, SEED, UPSTREAM_KEY, tempDir } from './helpers.ts';

let mock: MockUpstream;
let open: TestGateway;
let keyed: TestGateway;

beforeAll(async () => {
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const dir = await tempDir();
  const saved = process.env.AURORA_MASTER_KEY;
  delete process.env.AURORA_MASTER_KEY;
  try {
    open = await createTestGateway({ plugins: [auth({ dir: `${dir}/auth` }), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY }), audit({ dir: `${dir}/audit` })] });
  } finally {
    if (saved !== undefined) process.env.AURORA_MASTER_KEY = saved;
  }
  keyed = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY, dir: `${dir}/auth2` }), openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY })] });
});
afterAll(async () => {
  await open.close();
  await keyed.close();
  await mock.close();
});

/** A request with exactly these headers (fetch would set Host and Content-Type itself). */
function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: init.method ?? 'POST', headers: init.headers, setHost: !init.headers || !Object.keys(init.headers).some((h) => h.toLowerCase() === 'host') }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const seed = JSON.stringify(SEED);

describe('model API: only JSON bodies, whatever a browser can send without asking', () => {
  it('refuses a form post, a text/plain post and a body without a type (415), and sends nothing upstream', async () => {
    const before = mock.requests.length;
    for (const type of ['application/x-www-form-urlencoded', 'text/plain;charset=UTF-8', 'multipart/form-data; boundary=x', undefined]) {
      const res = await send(`${open.baseUrl}/responses`, { headers: type ? { 'content-type': type } : {}, body: seed });
      expect(res.status, String(type)).toBe(415);
      expect(JSON.parse(res.body).error.code).toBe('unsupported_media_type');
    }
    expect(mock.requests.length).toBe(before);
  });

  it('serves application/json', async () => {
    const res = await send(`${open.baseUrl}/responses`, { headers: { 'content-type': 'application/json' }, body: seed });
    expect(res.status).toBe(200);
  });
});

describe('admin API: a state change needs a request a web page cannot make without asking', () => {
  it('a text/plain form post does not create a key', async () => {
    const res = await send(`${open.url}/admin/api/v1/keys`, { headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ name: 'csrf', admin: true }) });
    expect(res.status).toBe(415);
    const list = await send(`${open.url}/admin/api/v1/keys`, { method: 'GET', headers: {} });
    expect(JSON.parse(list.body).data).toEqual([]);
  });

  it('a JSON post from the dashboard or a script does', async () => {
    const res = await send(`${open.url}/admin/api/v1/keys`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'script' }) });
    expect(res.status).toBe(201);
  });
});

describe('Host and Origin while no master key is set', () => {
  const port = () => new URL(open.url).port;

  it('refuses a Host that is not the gateway\'s loopback address (DNS rebinding), on every route', async () => {
    for (const [method, path] of [['GET', '/admin/api/v1/requests'], ['POST', '/v1/responses'], ['GET', '/v1/models'], ['GET', '/admin/dashboard/audit']] as const) {
      const res = await send(`${open.url}${path}`, { method, headers: { host: `rebind.example:${port()}`, 'content-type': 'application/json' }, body: method === 'POST' ? seed : undefined });
      expect(res.status, path).toBe(403);
      expect(JSON.parse(res.body).error.code).toBe('host_not_allowed');
    }
  });

  it('accepts the loopback names it serves on', async () => {
    for (const host of [`127.0.0.1:${port()}`, `localhost:${port()}`]) {
      const res = await send(`${open.url}/admin/api/v1/requests`, { method: 'GET', headers: { host } });
      expect(res.status, host).toBe(200);
    }
  });

  it('refuses a request a foreign web page sent (its Origin), and accepts the dashboard\'s own', async () => {
    const foreign = await send(`${open.baseUrl}/responses`, { headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: seed });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.code).toBe('origin_not_allowed');
    const otherPort = await send(`${open.baseUrl}/responses`, { headers: { origin: 'http://localhost:1', 'content-type': 'application/json' }, body: seed });
    expect(otherPort.status).toBe(403);
    const own = await send(`${open.baseUrl}/responses`, { headers: { origin: `http://127.0.0.1:${port()}`, 'content-type': 'application/json' }, body: seed });
    expect(own.status).toBe(200);
  });

  it('an upload a foreign web page posts as a form (which a browser sends without asking) is refused before any byte goes upstream', async () => {
    const before = mock.requests.length;
    const form = '--x\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n--x\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n\r\n{}\r\n--x--\r\n';
    const foreign = await send(`${open.baseUrl}/files`, { headers: { origin: 'https://evil.example', 'content-type': 'multipart/form-data; boundary=x' }, body: form });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.code).toBe('origin_not_allowed');
    expect(mock.requests.length).toBe(before);
  });

  it('with a master key, any Host is served (behind a proxy or a load balancer)', async () => {
    const res = await send(`${keyed.baseUrl}/responses`, { headers: { host: 'aurora.internal.example', authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: seed });
    expect(res.status).toBe(200);
  });
});
