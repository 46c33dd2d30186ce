/** What a client gets for bad requests: the right status, the OpenAI error shape, and a gateway that keeps serving. */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createTestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, SEED, UPSTREAM_KEY, emulatedGateway, passthrough, post } from './helpers.ts';

const suite = emulatedGateway((mock) => passthrough(mock, { models: ['gpt-*'] }), { server: { bodyLimit: 64 * 1024 } });

async function expectError(res: Response, status: number, code: string, param: string | null = null) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toContain('application/json');
  const body = await res.json();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(body.error.code).toBe(code);
  expect(body.error.param).toBe(param);
  expect(typeof body.error.message).toBe('string');
  return body.error as { message: string; type: string };
}

describe('authentication', () => {
  it('401 without a key, with a wrong key, and with a malformed header', async () => {
    const before = suite.mock.requests.length;
    await expectError(await post(`${suite.gw.baseUrl}/responses`, SEED, { key: null }), 401, 'invalid_api_key');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, SEED, { key: 'not-the-key' }), 401, 'invalid_api_key');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, SEED, { key: null, headers: { authorization: MASTER_KEY } }), 401, 'invalid_api_key');
    // Rejected before any body is read or anything is sent upstream.
    expect(suite.mock.requests.length).toBe(before);
  });

  it('accepts the key as x-api-key too', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED, { key: null, headers: { 'x-api-key': MASTER_KEY } });
    expect(res.status).toBe(200);
  });
});

describe('request bodies', () => {
  it('400 for invalid JSON', async () => {
    const error = await expectError(await post(`${suite.gw.baseUrl}/responses`, '{"model": "gpt-4.1-mini",'), 400, 'invalid_json');
    expect(error.message).toMatch(/not valid JSON/);
  });

  it('400 for JSON that is not an object', async () => {
    await expectError(await post(`${suite.gw.baseUrl}/responses`, '[1,2,3]'), 400, 'invalid_body');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, '"hello"'), 400, 'invalid_body');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, ''), 400, 'invalid_body');
  });

  it('400 for a missing or non-string model and wrong types in known fields', async () => {
    await expectError(await post(`${suite.gw.baseUrl}/responses`, { input: 'hi' }), 400, 'missing_required_parameter', 'model');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, { model: 42, input: 'hi' }), 400, 'invalid_value', 'model');
    await expectError(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: 'yes' }), 400, 'invalid_value', 'stream');
    await expectError(await post(`${suite.gw.baseUrl}/chat/completions`, { model: 'gpt-4.1-mini', messages: 'hi' }), 400, 'invalid_value', 'messages');
  });

  it('400 for invalid UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('{"model":"gpt-4.1-mini","input":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const res = await fetch(`${suite.gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: bytes });
    await expectError(res, 400, 'invalid_body');
  });

  it('415 for an explicit non-JSON content type', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, JSON.stringify(SEED), { headers: { 'content-type': 'text/plain' } });
    await expectError(res, 415, 'unsupported_media_type');
  });

  it('413 for a body over the limit, declared or streamed, and keeps serving', async () => {
    const big = JSON.stringify({ ...SEED, input: 'x'.repeat(100 * 1024) });
    await expectError(await post(`${suite.gw.baseUrl}/responses`, big), 413, 'request_too_large');
    // Chunked (no Content-Length): the limit is enforced while reading.
    const chunked = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(8 * 1024)));
        c.close();
      },
    });
    const res = await fetch(`${suite.gw.baseUrl}/responses`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit);
    await expectError(res, 413, 'request_too_large');
    expect((await post(`${suite.gw.baseUrl}/responses`, SEED)).status).toBe(200);
  });
});

describe('routing', () => {
  it('404 model_not_found when no plugin claims the model', async () => {
    const error = await expectError(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, model: 'claude-9' }), 404, 'model_not_found', 'model');
    expect(error.message).toContain('claude-9');
  });

  it('404 for an unknown path and 405 for a wrong method', async () => {
    await expectError(await fetch(`${suite.gw.baseUrl}/nothing-here`), 404, 'unknown_url');
    const res = await fetch(`${suite.gw.baseUrl}/responses`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.headers.get('allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed');
  });

  it('names the missing provider key instead of calling the upstream', async () => {
    const saved = process.env.OPENAI_API_KEY;
    delete process.env.OPENAI_API_KEY;
    const keyless = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${suite.mock.url}/v1` })] });
    try {
      const error = await expectError(await post(`${keyless.baseUrl}/responses`, SEED), 400, 'provider_not_configured');
      expect(error.message).toContain('OPENAI_API_KEY');
    } finally {
      process.env.OPENAI_API_KEY = saved;
      await keyless.close();
    }
  });
});

describe('slow and broken clients', () => {
  it('times out a client that never finishes its headers, and keeps serving', async () => {
    const slow = await createTestGateway({ server: { headersTimeoutMs: 300, requestTimeoutMs: 300 }, plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${suite.mock.url}/v1`, apiKey: UPSTREAM_KEY })] });
    try {
      const { port } = new URL(slow.url);
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /v1/responses HTTP/1.1\r\nHost: x\r\n'));
        let data = '';
        socket.on('data', (d) => (data += d));
        socket.on('close', () => resolve(data));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408/);
      expect((await post(`${slow.baseUrl}/responses`, SEED)).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

/** Raw bytes to the gateway; resolves with everything it answered once the socket closes. */
function rawExchange(url: string, payload: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(payload));
    let data = '';
    socket.on('data', (d) => (data += d));
    socket.on('close', () => resolve(data));
  });
}

describe('client-chosen strings stay bounded', () => {
  it('400 for a model name longer than 256 characters, before it reaches a log line, a label or the audit', async () => {
    const long = 'm'.repeat(32 * 1024);
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, model: long });
    const error = await expectError(res, 400, 'invalid_value', 'model');
    expect(error.message.length).toBeLessThan(300);
    expect(JSON.stringify(suite.gw.logs)).not.toContain('m'.repeat(300));
  });
});

describe('the Host header', () => {
  it('a malformed Host is a 400 in the OpenAI shape, without an error log', async () => {
    for (const host of ['a b', 'x:99999', 'user@evil', 'evil/admin', '']) {
      suite.gw.logs.length = 0;
      const answer = await rawExchange(suite.gw.url, `GET /health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
      expect(answer, host).toMatch(/^HTTP\/1\.1 400/);
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code, host).toBe('bad_request');
      expect(suite.gw.logs.filter((l) => l.level === 'error'), host).toEqual([]);
    }
  });

  it('a Host carrying a path never changes the path a route sees', async () => {
    const answer = await rawExchange(suite.gw.url, `GET /admin/dashboard/audit HTTP/1.1\r\nHost: 127.0.0.1/admin/api/v1\r\nConnection: close\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe('request headers passed upstream', () => {
  it('a header named like an Object.prototype member is forwarded as sent', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED, { headers: { constructor: 'c1', tostring: 't1', __proto__x: 'p1' } as Record<string, string> });
    expect(res.status).toBe(200);
    const seen = suite.mock.requests.at(-1)!.headers;
    expect(seen.constructor).toBe('c1');
    expect(seen.tostring).toBe('t1');
  });
});

describe('answers before the body arrived', () => {
  it('a refused slow upload (401) closes the connection instead of holding it for the rest of the body', async () => {
    const answer = await rawExchange(suite.gw.url, `POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"model":`);
    expect(answer).toMatch(/^HTTP\/1\.1 401/);
    expect(answer.toLowerCase()).toContain('connection: close');
  });
});
