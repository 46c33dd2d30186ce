/** Graceful stop: SIGTERM lets an in-flight stream finish, refuses new work, then exits 0. */
import { expect, it } from 'vitest';
import { iterateSseEvents, startMockUpstream } from 'aurora/testing';
import { MASTER_KEY, SEED, UPSTREAM_KEY, post, startCore, writePassthroughConfig } from './helpers.ts';

it('completes an in-flight stream after SIGTERM and exits cleanly', async () => {
  // 12 events, 80 ms apart: the stream is still running when the signal arrives.
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, chunkDelayMs: 80, streamChunks: 4 });
  const { file } = await writePassthroughConfig(mock);
  const core = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY });
  try {
    const res = await post(`${core.url}/v1/responses`, { ...SEED, input: 'tell me a story', stream: true });
    const events = iterateSseEvents(res);
    const first = await events.next();
    expect(first.value?.event).toBe('response.created');

    core.child.kill('SIGTERM');
    const rest: string[] = [];
    for await (const event of events) rest.push(event.event!);
    expect(rest.at(-1)).toBe('response.completed');
    expect(rest.filter((e) => e === 'response.output_text.delta').length).toBe(4);

    expect(await core.exited).toBe(0);
    expect(core.output()).toContain('SIGTERM: finishing in-flight requests');
    expect(core.output()).toContain('"msg":"stopped"');
    // Stopped means stopped: nothing listens any more.
    await expect(fetch(`${core.url}/health`)).rejects.toThrow();
  } finally {
    core.child.kill('SIGKILL');
    await mock.close();
  }
});

it('draining: /ready answers 503 and /health "closing" on new connections until the last stream is done', async () => {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY, chunkDelayMs: 80, streamChunks: 8 });
  const { file } = await writePassthroughConfig(mock);
  const core = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY });
  try {
    const events = iterateSseEvents(await post(`${core.url}/v1/responses`, { ...SEED, input: 'tell me a story', stream: true }));
    await events.next();
    core.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    // A load balancer's probe on a new connection sees the drain instead of a refused connection.
    const ready = await fetch(`${core.url}/ready`, { headers: { connection: 'close' } });
    expect(ready.status).toBe(503);
    expect(await (await fetch(`${core.url}/health`, { headers: { connection: 'close' } })).json()).toEqual({ status: 'closing' });
    const refused = await post(`${core.url}/v1/responses`, SEED);
    expect(refused.status).toBe(503);
    expect((await refused.json()).error.code).toBe('shutting_down');
    const rest: string[] = [];
    for await (const event of events) rest.push(event.event!);
    expect(rest.at(-1)).toBe('response.completed');
    expect(await core.exited).toBe(0);
  } finally {
    core.child.kill('SIGKILL');
    await mock.close();
  }
});

it('streams still running at shutdownTimeoutMs end with response.failed, and each is in the audit after restart', async () => {
  const mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  const { file } = await writePassthroughConfig(mock, {
    server: { shutdownTimeoutMs: 300 },
    imports: "import audit from 'aurora/plugins/audit';",
    extra: (dir) => `audit({ dir: ${JSON.stringify(`${dir}/audit`)}, flushIntervalMs: 60000 })`,
  });
  const core = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY });
  const ids: string[] = [];
  let tails: Array<Promise<string[]>> = [];
  try {
    const streams = 12;
    for (let i = 0; i < streams; i++) mock.enqueue({ fault: 'never-end', events: 2 });
    const responses = await Promise.all(Array.from({ length: streams }, () => post(`${core.url}/v1/responses`, { ...SEED, stream: true })));
    for (const res of responses) ids.push(res.headers.get('x-request-id')!);
    tails = responses.map(async (res) => {
      const seen: string[] = [];
      for await (const event of iterateSseEvents(res)) seen.push(event.event ?? event.data);
      return seen;
    });
    core.child.kill('SIGTERM');
    const ends = await Promise.all(tails);
    for (const seen of ends) expect(seen.at(-1)).toBe('response.failed');
    expect(await core.exited).toBe(0);
  } finally {
    core.child.kill('SIGKILL');
    await mock.close();
  }
  const again = await startCore(['--config', file], { AURORA_MASTER_KEY: MASTER_KEY });
  try {
    const list = await (await fetch(`${again.url}/admin/api/v1/requests?limit=100`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json();
    const byId = new Map(list.data.map((r: { id: string; outcome: string; error: { code: string } | null }) => [r.id, r]));
    for (const id of ids) expect(byId.get(id), id).toMatchObject({ outcome: 'error', error: { code: 'shutting_down' } });
  } finally {
    again.child.kill('SIGTERM');
    await again.exited;
  }
});
