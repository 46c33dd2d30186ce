/**
 * Upstream bodies the gateway cannot deliver whole: broken off, stalled, or larger than it will
 * hold. Never ended as if whole — a 502/504 before the status is sent, a cut connection after —
 * and every read of an upstream body has a bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestGateway, readSseEvents, type TestGateway } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, SEED, UPSTREAM_KEY, post, startRawUpstream } from './helpers.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler;
let upstream: Awaited<ReturnType<typeof startRawUpstream>>;
let gw: TestGateway;

const UPSTREAM_BODY_LIMIT = 256 * 1024;

beforeAll(async () => {
  upstream = await startRawUpstream((req, res) => {
    req.resume();
    req.once('end', () => handler(req, res));
  });
  gw = await createTestGateway({
    server: { upstreamBodyLimit: UPSTREAM_BODY_LIMIT },
    plugins: [
      auth({ masterKey: MASTER_KEY }),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: upstream.url, idleTimeoutMs: 300 }),
      openai({ baseUrl: `${upstream.url}/v1`, apiKey: UPSTREAM_KEY, idleTimeoutMs: 300 }),
    ],
  });
});
afterAll(async () => {
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  gw.logs.length = 0;
});

const DS = { model: 'deepseek-v4-pro', input: 'Reply with exactly ok' };
const RESPONSE = JSON.stringify({ id: 'resp_1', object: 'response', status: 'completed', output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }] });
const CHAT = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'deepseek-v4-pro', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });

/** Reads the whole body; resolves to the text, or to the error the body ended with. */
async function bodyOf(res: Response): Promise<{ text?: string; error?: Error }> {
  // A bound on the wait, so a body that never ends fails this test instead of hanging it.
  const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the body never ended')), 10_000).unref());
  try {
    return { text: await Promise.race([res.text(), hung]) };
  } catch (error) {
    return { error: error as Error };
  }
}

function unhandled(logs: TestGateway['logs']) {
  return logs.filter((l) => l.level === 'error');
}

describe('a non-stream body that breaks off', () => {
  it('passthrough, chunked: the client connection is cut, never ended as a clean 200', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(RESPONSE.slice(0, 40));
      setTimeout(() => res.destroy(), 20);
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.error?.message).not.toBe('the body never ended');
    expect(body.error).toBeDefined();
  });

  it('passthrough, with Content-Length: the client sees the failure at once instead of hanging', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(RESPONSE.length) });
      res.write(RESPONSE.slice(0, 40));
      setTimeout(() => res.destroy(), 20);
    };
    const body = await bodyOf(await post(`${gw.baseUrl}/responses`, SEED));
    expect(body.error).toBeDefined();
    expect(body.error!.message).not.toBe('the body never ended');
  });

  it('passthrough, broken before the first body byte: 502 with the reason', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      setTimeout(() => res.destroy(), 20);
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(502);
    const { error } = await res.json();
    expect(error.code).toBe('upstream_incomplete');
    expect(error.message).toContain('openai');
  });

  it('DeepSeek, translated: 502 upstream_incomplete, and no unhandled-error log line', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(CHAT.slice(0, 50));
      setTimeout(() => res.destroy(), 20);
    };
    const res = await post(`${gw.baseUrl}/responses`, DS);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('upstream_incomplete');
    expect(unhandled(gw.logs)).toEqual([]);
  });

  it('an error body that breaks off still gives the client an answer in the OpenAI shape', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.write('{"error":{"message":"boo');
      setTimeout(() => res.destroy(), 20);
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(502);
    expect((await res.json()).error.code).toBe('upstream_incomplete');
  });
});

describe('a non-stream body that stalls after its headers', () => {
  it('passthrough: 504 upstream_idle_timeout, and the upstream is released', async () => {
    let released!: () => void;
    const gone = new Promise<void>((resolve) => (released = resolve));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      res.once('close', () => released());
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe('upstream_idle_timeout');
    await gone;
  });

  it('passthrough, after part of the body: the client connection is cut', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(RESPONSE.slice(0, 40));
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    const body = await bodyOf(res);
    expect(body.error).toBeDefined();
    expect(body.error!.message).not.toBe('the body never ended');
  });

  it('DeepSeek, translated: 504 upstream_idle_timeout', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(CHAT.slice(0, 30));
    };
    const res = await post(`${gw.baseUrl}/responses`, DS);
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe('upstream_idle_timeout');
  });

  it('an error body that stalls: 504, not a hang', async () => {
    handler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.write('{"error":');
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(504);
    expect((await res.json()).error.code).toBe('upstream_idle_timeout');
  });
});

describe('upstream bodies larger than the gateway holds', () => {
  it('an error body over the bound: 502 naming the bound, not the body echoed whole', async () => {
    handler = (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'x'.repeat(2 * 1024 * 1024) } }));
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text.length).toBeLessThan(2000);
    expect(JSON.parse(text).error.code).toBe('upstream_response_too_large');
  });

  it('a translated answer over server.upstreamBodyLimit: 502 upstream_response_too_large', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(CHAT.replace('"ok"', JSON.stringify('y'.repeat(UPSTREAM_BODY_LIMIT + 1))));
    };
    const res = await post(`${gw.baseUrl}/responses`, DS);
    expect(res.status).toBe(502);
    const { error } = await res.json();
    expect(error.code).toBe('upstream_response_too_large');
    expect(error.message).toContain(String(UPSTREAM_BODY_LIMIT));
  });

  it('a single streamed event over the bound ends the translated stream with response.failed', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] })}\n\n`);
      // One line that never ends, far longer than the bound.
      res.write(`data: {"choices":[{"index":0,"delta":{"content":"${'z'.repeat(UPSTREAM_BODY_LIMIT + 1024)}`);
    };
    const events = await readSseEvents(await post(`${gw.baseUrl}/responses`, { ...DS, stream: true }));
    const last = events.at(-1)!;
    expect(last.event).toBe('response.failed');
    expect(last.json.response.error.message).toContain(`more than ${UPSTREAM_BODY_LIMIT} bytes`);
    expect(events.filter((e) => e.event === 'response.failed')).toHaveLength(1);
  });

  it('a passed-through answer is streamed, not held: any size goes through', async () => {
    const big = JSON.stringify({ id: 'resp_big', object: 'response', output: [], padding: 'p'.repeat(2 * UPSTREAM_BODY_LIMIT) });
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(big);
    };
    const res = await post(`${gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(200);
    expect((await res.text()).length).toBe(big.length);
  });
});
