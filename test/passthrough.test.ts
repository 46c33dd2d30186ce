/**
 * The OpenAI passthrough end to end, through real sockets: the seed's curl request, streaming
 * event for event and byte for byte, the official SDK, and the upstream failures a client sees.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createTestGateway, iterateSseEvents, readSseEvents } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';
import type { Plugin } from 'aurora';
import { FIXTURES, MASTER_KEY, SEED, UPSTREAM_KEY, closedPort, emulatedGateway, passthrough, post, startRawUpstream, startStaleSocketUpstream } from './helpers.ts';

const suite = emulatedGateway((mock) => passthrough(mock));

describe('the seed request', () => {
  it('returns the upstream Responses JSON containing ok', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    const body = await res.json();
    expect(body.object).toBe('response');
    expect(body.output[0].content[0].text).toBe('ok');
    // The upstream saw the provider key, never the client's master key.
    const seen = suite.mock.requests.at(-1)!;
    expect(seen.path).toBe('/v1/responses');
    expect(seen.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(JSON.stringify(seen.headers)).not.toContain(MASTER_KEY);
    expect(seen.body).toEqual(SEED);
  });

  it('streams the upstream SSE event for event', async () => {
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    const events = await readSseEvents(res);
    expect(events.map((e) => e.event)).toEqual([
      'response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added',
      'response.output_text.delta', 'response.output_text.delta', 'response.output_text.done', 'response.content_part.done',
      'response.output_item.done', 'response.completed',
    ]);
    expect(events.at(-1)!.json.response.output[0].content[0].text).toBe('ok');
  });

  it('answers in process through gateway.request() the same way', async () => {
    const res = await suite.gw.gateway.request('/v1/responses', { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(SEED) });
    expect(res.status).toBe(200);
    expect((await res.json()).output[0].content[0].text).toBe('ok');
  });

  it('serves /v1/models from the upstream and /health locally', async () => {
    const models = await fetch(`${suite.gw.baseUrl}/models`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(models.status).toBe(200);
    expect((await models.json()).data.map((m: { id: string }) => m.id)).toContain('gpt-4.1-mini');
    const health = await fetch(`${suite.gw.url}/health`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('byte-for-byte streaming', () => {
  it('passes a captured Codex stream through unchanged', async () => {
    const fixture = await readFile(join(FIXTURES, 'reasoning-function-call-response.sse'));
    const raw = await startRawUpstream((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Split mid-event to prove nothing is re-framed on the way.
      res.write(fixture.subarray(0, 301));
      setTimeout(() => res.end(fixture.subarray(301)), 5);
    });
    const local = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${raw.url}/v1`, apiKey: UPSTREAM_KEY })] });
    try {
      const res = await post(`${local.baseUrl}/responses`, { ...SEED, stream: true });
      const received = Buffer.from(await res.arrayBuffer());
      expect(received.equals(fixture)).toBe(true);
    } finally {
      await local.close();
      await raw.close();
    }
  });

  it('flushes each event as it arrives (the upstream is still open)', async () => {
    // The upstream sends 4 events and then holds the connection: a buffering gateway would deliver nothing.
    suite.mock.enqueue({ fault: 'never-end', events: 4, turn: { content: 'hello there' } });
    const controller = new AbortController();
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    for await (const event of iterateSseEvents(res)) {
      seen.push(event.event!);
      if (seen.length === 4) break;
    }
    controller.abort();
    expect(seen).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
  });
});

describe('what the upstream receives', () => {
  it('the provider key and the client\'s headers worth keeping, never the client\'s credentials', async () => {
    // Expect: 100-continue is sent by curl for large bodies; it once made http-proxy-3 skip the
    // header rewrite, so the client's own key went upstream instead of the provider's.
    for (const extra of [{}, { expect: '100-continue' }]) {
      const status = await new Promise<number>((resolve, reject) => {
        const body = JSON.stringify(SEED);
        const req = request(`${suite.gw.baseUrl}/responses`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${MASTER_KEY}`, 'x-api-key': MASTER_KEY, cookie: 'session=s3cret', 'x-codex-turn': '7', ...extra },
        }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        if ('expect' in extra) req.once('continue', () => req.end(body));
        else req.end(body);
      });
      expect(status).toBe(200);
      const seen = suite.mock.requests.at(-1)!.headers;
      expect(seen.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      expect(seen['x-api-key']).toBeUndefined();
      expect(seen.cookie).toBeUndefined();
      expect(seen.expect).toBeUndefined();
      expect(seen['x-codex-turn']).toBe('7');
      expect(JSON.stringify(seen)).not.toContain(MASTER_KEY);
    }
  });
});

describe('the official openai SDK', () => {
  const client = () => new OpenAI({ apiKey: MASTER_KEY, baseURL: suite.gw.baseUrl, maxRetries: 0 });

  it('responses.create', async () => {
    const response = await client().responses.create({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok' });
    expect(response.output_text).toBe('ok');
  });

  it('responses.stream accumulates the final response', async () => {
    const stream = client().responses.stream({ model: 'gpt-4.1-mini', input: 'Reply with exactly ok' });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('ok');
    expect(final.output_text).toBe('ok');
    expect(final.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('chat.completions.create with stream', async () => {
    const stream = await client().chat.completions.create({ model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Reply with exactly ok' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('ok');
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
  });

  it('surfaces a 401 as the SDK error with the OpenAI shape', async () => {
    const bad = new OpenAI({ apiKey: 'wrong-key-123456', baseURL: suite.gw.baseUrl, maxRetries: 0 });
    await expect(bad.responses.create({ model: 'gpt-4.1-mini', input: 'hi' })).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
  });
});

describe('upstream failures', () => {
  it('passes 429 back with status, body and Retry-After', async () => {
    suite.mock.enqueue({ http: { status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'slow down', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } } } });
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error: { message: 'slow down', type: 'rate_limit_exceeded', param: null, code: 'rate_limit_exceeded' } });
  });

  it('wraps a non-JSON 5xx in the OpenAI shape, keeping the status', async () => {
    suite.mock.enqueue({ http: { status: 503, body: 'upstream overloaded' } });
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { message: 'upstream overloaded', type: 'upstream_error', param: null, code: 'upstream_503' } });
  });

  it('answers 502 when the upstream is unreachable', async () => {
    const port = await closedPort();
    const down = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `http://127.0.0.1:${port}/v1`, apiKey: UPSTREAM_KEY })] });
    try {
      const res = await post(`${down.baseUrl}/responses`, SEED);
      expect(res.status).toBe(502);
      const body = await res.json();
      expect(body.error).toMatchObject({ type: 'upstream_error', code: 'upstream_unreachable', param: null });
      expect(body.error.message).toContain('ECONNREFUSED');
    } finally {
      await down.close();
    }
  });

  it('answers 504 when the upstream sends no headers in time', async () => {
    const slow = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), openai({ baseUrl: `${suite.mock.url}/v1`, apiKey: UPSTREAM_KEY, headersTimeoutMs: 200 })] });
    try {
      suite.mock.enqueue({ fault: 'hang-before-headers' });
      const aborted = suite.mock.nextClientAbort();
      const res = await post(`${slow.baseUrl}/responses`, SEED);
      expect(res.status).toBe(504);
      expect((await res.json()).error).toMatchObject({ code: 'upstream_timeout', type: 'upstream_error' });
      await aborted; // and the hanging upstream call was closed, not left open
    } finally {
      await slow.close();
    }
  });

  it('ends a stream that breaks mid-way with response.failed, never a silent cut', async () => {
    suite.mock.enqueue({ fault: 'reset-after', events: 3, turn: { content: 'partial answer' } });
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true });
    const events = await readSseEvents(res);
    expect(events.slice(0, 3).map((e) => e.event)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    const last = events.at(-1)!;
    expect(last.event).toBe('response.failed');
    expect(last.json.response.status).toBe('failed');
    expect(last.json.response.error.code).toBe('server_error');
  });

  it('resends once when a kept-alive upstream socket turns out to be closed (http-proxy-3 and the core sender)', async () => {
    const raw = await startStaleSocketUpstream();
    // openai forwards through http-proxy-3; a provider without `forward` is sent by the core.
    const plain: Plugin = { name: 'plain', resolveModel: (model) => (model === 'plain' ? { provider: { name: 'plain', baseUrl: `${raw.url}/v1`, apiKey: UPSTREAM_KEY }, model } : undefined) };
    const local = await createTestGateway({ plugins: [auth({ masterKey: MASTER_KEY }), plain, openai({ baseUrl: `${raw.url}/v1`, apiKey: UPSTREAM_KEY })] });
    try {
      for (const model of [SEED.model, 'plain']) {
        for (let i = 0; i < 3; i++) expect((await post(`${local.baseUrl}/responses`, { ...SEED, model })).status).toBe(200);
      }
    } finally {
      await local.close();
      await raw.close();
    }
  });

  it('aborts the upstream request when the client goes away', async () => {
    suite.mock.enqueue({ fault: 'never-end', events: 2 });
    const aborted = suite.mock.nextClientAbort();
    const controller = new AbortController();
    const res = await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }, { signal: controller.signal });
    const events = iterateSseEvents(res);
    await events.next();
    const closedAt = performance.now();
    controller.abort();
    const upstreamSawClose = await aborted;
    expect(upstreamSawClose).toBeGreaterThanOrEqual(closedAt);
  });
});
