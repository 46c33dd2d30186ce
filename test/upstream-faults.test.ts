/** Upstream faults, each against the emulated upstream: what the client sees, and that the gateway keeps serving. */
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { readSseEvents } from 'aurora/testing';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, SEED, UPSTREAM_KEY, emulatedGateway, post } from './helpers.ts';

const suite = emulatedGateway((mock) => [
  auth({ masterKey: MASTER_KEY }),
  deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url, idleTimeoutMs: 300 }),
  openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY, idleTimeoutMs: 300, retry: { attempts: 2, baseDelayMs: 10 } }),
]);

const DS = { model: 'deepseek-v4-pro', input: 'Reply with exactly ok', stream: true };

describe('a stream that never ends', () => {
  it('passthrough: ends with response.failed upstream_idle_timeout and closes the upstream', async () => {
    suite.mock.enqueue({ fault: 'never-end', events: 3 });
    const closed = suite.mock.nextClientAbort();
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }));
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(events.at(-1)!.json.response.error.message).toContain('sent nothing for 300 ms');
    await closed;
  });

  it('translated: the DeepSeek stream ends with response.failed', async () => {
    suite.mock.enqueue({ fault: 'never-end', events: 3, turn: { reasoning: 'thinking', content: 'never finished' } });
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, DS));
    expect(events[0]!.event).toBe('response.created');
    expect(events.at(-1)!.event).toBe('response.failed');
    // Every item opened was closed before the terminal event.
    const added = events.filter((e) => e.event === 'response.output_item.added').length;
    expect(events.filter((e) => e.event === 'response.output_item.done').length).toBe(added);
  });
});

describe('broken streams', () => {
  it('a DeepSeek reset mid-stream becomes response.failed, then the connection closes', async () => {
    suite.mock.enqueue({ fault: 'reset-after', events: 4, turn: { reasoning: 'a b c d', content: 'partial' } });
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, DS));
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(events.filter((e) => e.event === 'response.failed')).toHaveLength(1);
  });

  it('malformed SSE from DeepSeek becomes response.failed, not a crash', async () => {
    suite.mock.enqueue({ fault: 'malformed-sse', after: 2, then: 'continue', turn: { content: 'hello' } });
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, DS));
    expect(events.at(-1)!.event).toBe('response.failed');
    expect((await post(`${suite.gw.baseUrl}/responses`, { ...DS, stream: false })).status).toBe(200);
  });

  it('an error before the stream starts keeps its status and message', async () => {
    suite.mock.enqueue({ http: { status: 402, body: { error: { message: 'Insufficient Balance', type: 'unknown_error', param: null, code: 'invalid_request_error' } } } });
    const res = await post(`${suite.gw.baseUrl}/responses`, DS);
    expect(res.status).toBe(402);
    expect((await res.json()).error.message).toBe('Insufficient Balance');
  });
});

describe('retries before the first byte', () => {
  it('retries 503s (and Anthropic\'s 529 overloaded) and answers with the first success', async () => {
    suite.mock.enqueue({ http: { status: 503, body: 'busy' } }, { http: { status: 529, body: 'overloaded' } });
    const before = suite.mock.requests.length;
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(200);
    expect(suite.mock.requests.length - before).toBe(3);
  });

  it('gives up after the configured attempts and passes the last answer on', async () => {
    suite.mock.enqueue(...Array.from({ length: 3 }, () => ({ http: { status: 503, headers: { 'retry-after': '2' }, body: 'busy' } })));
    const res = await post(`${suite.gw.baseUrl}/responses`, SEED);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('never retries a stream that has started', async () => {
    suite.mock.enqueue({ fault: 'reset-after', events: 2 });
    const before = suite.mock.requests.length;
    const events = await readSseEvents(await post(`${suite.gw.baseUrl}/responses`, { ...SEED, stream: true }));
    expect(events.at(-1)!.event).toBe('response.failed');
    expect(suite.mock.requests.length - before).toBe(1);
  });

  it('does not retry a 4xx', async () => {
    suite.mock.enqueue({ http: { status: 400, body: { error: { message: 'bad', type: 'invalid_request_error', param: null, code: null } } } });
    const before = suite.mock.requests.length;
    expect((await post(`${suite.gw.baseUrl}/responses`, SEED)).status).toBe(400);
    expect(suite.mock.requests.length - before).toBe(1);
  });
});

describe('protocol-level garbage from clients', () => {
  async function raw(payload: string): Promise<string> {
    const { port } = new URL(suite.gw.url);
    return new Promise((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(payload));
      let data = '';
      socket.on('data', (d) => (data += d));
      socket.on('close', () => resolve(data));
    });
  }

  it('a header flood gets 431 in the OpenAI shape', async () => {
    const answer = await raw(`POST /v1/responses HTTP/1.1\r\nHost: x\r\nX-Flood: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 431/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('headers_too_large');
  });

  it('a request that is not HTTP gets 400 in the OpenAI shape', async () => {
    const answer = await raw('HELLO THERE\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error.code).toBe('bad_request');
    expect((await post(`${suite.gw.baseUrl}/responses`, SEED)).status).toBe(200);
  });
});
