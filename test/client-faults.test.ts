/**
 * Clients that go away: the upstream call is aborted at once (passthrough and DeepSeek translation),
 * the audit says `client_closed`, and 1,000 streams dropped at the same moment leave nothing behind —
 * no socket, no timer, no open-stream gauge, no heap.
 *
 * No wall-clock thresholds except the abort latency the gateway promises (< 100 ms, measured with
 * performance.now() in this process, the clock the emulator stamps its aborts with) and generous
 * timeouts: everything else waits for a state (all closes seen, all records written, resources back).
 */
import http from 'node:http';
import { rm } from 'node:fs/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { definePlugin } from 'aurora';
import { createTestGateway, startMockUpstream, type MockUpstream, type TestGateway } from 'aurora/testing';
import audit from 'aurora/plugins/audit';
import auth from 'aurora/plugins/auth';
import deepseek from 'aurora/plugins/deepseek';
import effort from 'aurora/plugins/effort';
import openai from 'aurora/plugins/openai';
import { MASTER_KEY, UPSTREAM_KEY, tempDir } from './helpers.ts';

const STREAMS = 1_000;
/** Headroom for the heap after 1,000 streams came and went (their audit records stay indexed: ~1.3 KB each). */
const HEAP_SLACK = 24 * 2 ** 20;
/** Only when no gc can be had: RSS does not shrink back reliably, so this bound is loose. */
const RSS_SLACK = 160 * 2 ** 20;

let mock: MockUpstream;
let gw: TestGateway;
let auditDir: string;
let authDir: string;
/** Outcomes of finished requests, by request id (the audit sees every request once it is over). */
const outcomes = new Map<string, string>();

const PASSTHROUGH = { model: 'gpt-4.1-mini', input: 'Reply with exactly ok', stream: true };
const DEEPSEEK = { model: 'deepseek-v4-pro', input: 'Reply with exactly ok', stream: true, reasoning: { effort: 'high' } };

beforeAll(async () => {
  auditDir = await tempDir('aurora-faults-audit-');
  authDir = await tempDir('aurora-faults-auth-');
  mock = await startMockUpstream({ apiKey: UPSTREAM_KEY });
  gw = await createTestGateway({
    plugins: [
      auth({ masterKey: MASTER_KEY, dir: authDir, watch: false }),
      effort(),
      deepseek({ apiKey: UPSTREAM_KEY, baseUrl: mock.url }),
      // Above the default 256 so 1,000 passthrough streams really hold 1,000 upstream calls at once.
      openai({ baseUrl: `${mock.url}/v1`, apiKey: UPSTREAM_KEY, maxSockets: 2048 }),
      audit({ dir: auditDir }),
      definePlugin({ name: 'outcomes', onAudit: (record) => void outcomes.set(record.id, record.outcome) }),
    ],
  });
  // One whole stream and one abandoned stream per path first: the abort latency measured below is
  // the steady state's, not the first call's (lazy module loading, JIT, a new connection pool).
  const agent = new http.Agent({ keepAlive: false });
  for (const body of [PASSTHROUGH, DEEPSEEK]) {
    await (await openStream(agent, body)).ended;
    mock.enqueue({ fault: 'never-end', events: 3 });
    const closed = mock.nextClientAbort();
    const stream = await openStream(agent, body);
    await stream.firstChunk;
    stream.req.destroy();
    await closed;
  }
  agent.destroy();
});

afterAll(async () => {
  await gw?.close();
  await mock?.close();
  await rm(auditDir, { recursive: true, force: true });
  await rm(authDir, { recursive: true, force: true });
});

interface OpenStream {
  req: http.ClientRequest;
  res: http.IncomingMessage;
  id: string;
  /** Resolves with the first body chunk. */
  firstChunk: Promise<string>;
  /** Resolves when the body ended normally. */
  ended: Promise<void>;
}

/** A streamed POST over node:http on `agent`; resolves once the response headers are in. */
function openStream(agent: http.Agent, body: object): Promise<OpenStream> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(`${gw.baseUrl}/responses`, {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    });
    req.on('response', (res) => {
      if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
      res.on('error', () => {}); // destroyed on purpose later
      const firstChunk = new Promise<string>((ok) => res.once('data', (chunk: Buffer) => ok(chunk.toString('utf8'))));
      res.on('data', () => {});
      const ended = new Promise<void>((ok) => res.once('end', () => ok()));
      resolve({ req, res, id: String(res.headers['x-request-id']), firstChunk, ended });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

async function adminRecord(id: string): Promise<Record<string, unknown>> {
  let record: Record<string, unknown> | undefined;
  await vi.waitFor(async () => {
    const res = await fetch(`${gw.url}/admin/api/v1/requests/${id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(res.status).toBe(200);
    record = await res.json();
  }, { timeout: 10_000, interval: 50 });
  return record!;
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

describe('a client that disconnects mid-stream', () => {
  for (const [label, body] of [['passthrough (http-proxy-3)', PASSTHROUGH], ['DeepSeek translation (fetch)', DEEPSEEK]] as const) {
    it(`${label}: the upstream call is closed within 100 ms and audited as client_closed`, async () => {
      mock.enqueue({ fault: 'never-end', events: 3, turn: { reasoning: 'thinking it over', content: 'an answer that never ends' } });
      const upstreamClosed = mock.nextClientAbort();
      const agent = new http.Agent({ keepAlive: false });
      try {
        const stream = await openStream(agent, body);
        expect(await stream.firstChunk).toContain('response.created');
        const closedAt = performance.now();
        stream.req.destroy();
        const upstreamClosedAt = await upstreamClosed;
        expect(upstreamClosedAt).toBeGreaterThanOrEqual(closedAt);
        expect(upstreamClosedAt - closedAt).toBeLessThan(100);
        console.log(`${label}: upstream closed ${(upstreamClosedAt - closedAt).toFixed(2)} ms after the client`);

        const record = await adminRecord(stream.id);
        expect(record).toMatchObject({ id: stream.id, outcome: 'client_closed', stream: true });
        expect((record.error as { code: string }).code).toBe('client_closed');
      } finally {
        agent.destroy();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

/** `gc` even when node was not started with --expose-gc (vitest workers are not). */
function getGc(): (() => void) | undefined {
  if (typeof globalThis.gc === 'function') return globalThis.gc;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of process.getActiveResourcesInfo()) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

const show = (counts: Map<string, number>) => [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([t, n]) => `${t}=${n}`).join(' ');

async function memory(gc: (() => void) | undefined): Promise<NodeJS.MemoryUsage> {
  if (gc) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return process.memoryUsage();
}

describe('1,000 concurrent streams closed abruptly', () => {
  it('leave no sockets, timers, open streams or heap behind', async () => {
    const gc = getGc();
    // Warm up both paths (modules, agents, the audit store's first segment), then let them idle.
    const warm = new http.Agent({ keepAlive: false });
    const warmIds: string[] = [];
    for (const body of [PASSTHROUGH, DEEPSEEK]) {
      const s = await openStream(warm, body);
      await s.ended;
      warmIds.push(s.id);
    }
    warm.destroy();
    await vi.waitFor(() => expect(warmIds.map((id) => outcomes.get(id))).toEqual(['ok', 'ok']), { timeout: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const baseline = resourceCounts();
    const before = await memory(gc);

    // Every close the emulator sees, counted one by one (nextClientAbort resolves for the next one only).
    let closes = 0;
    let counting = true;
    const countCloses = (): void => void mock.nextClientAbort().then(() => {
      closes++;
      if (counting) countCloses();
    });
    countCloses();

    mock.enqueue(...Array.from({ length: STREAMS }, () => ({ fault: 'never-end' as const, events: 2 })));
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    const streams: OpenStream[] = [];
    for (let i = 0; i < STREAMS; i += 100) {
      // Batches of 100: a burst of 1,000 connects would overflow the listen backlog.
      const batch = await Promise.all(Array.from({ length: Math.min(100, STREAMS - i) }, (_, k) => openStream(agent, (i + k) % 2 ? DEEPSEEK : PASSTHROUGH)));
      await Promise.all(batch.map((s) => s.firstChunk));
      streams.push(...batch);
    }
    expect(streams).toHaveLength(STREAMS);
    expect(await metric('aurora_open_streams')).toBe(STREAMS);
    const open = await memory(gc);

    for (const s of streams) s.req.destroy();
    agent.destroy();

    // The gateway finished every request (each one reports to the audit once it is over: in flight = 0)…
    const ids = streams.map((s) => s.id);
    streams.length = 0; // the test's own client objects must not count as the gateway's heap
    await vi.waitFor(() => expect(ids.filter((id) => outcomes.get(id) === 'client_closed').length).toBe(STREAMS), { timeout: 60_000, interval: 100 });
    // …the emulator saw every upstream call closed by the gateway…
    await vi.waitFor(() => expect(closes).toBe(STREAMS), { timeout: 30_000, interval: 100 });
    counting = false;
    // …and nothing counts as open.
    expect(await metric('aurora_open_streams')).toBe(0);
    mock.reset(); // drops the 1,000 recorded requests the emulator keeps for tests

    // Sockets, timers and other handles back to what they were before (this test's servers included
    // in both). Some may be fewer: idle keep-alive sockets of the warm-up time out meanwhile.
    // Polled with a plain sleep, not vi.waitFor: its own interval and timeout would be counted as Timeouts.
    let now = resourceCounts();
    const grown = () => [...now].filter(([type, n]) => n > (baseline.get(type) ?? 0));
    for (const deadline = performance.now() + 30_000; grown().length > 0 && performance.now() < deadline; now = resourceCounts()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(grown(), `baseline: ${show(baseline)}\nnow:      ${show(now)}`).toEqual([]);

    const after = await memory(gc);
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
    console.log(`1,000 streams: heapUsed ${mb(before.heapUsed)} → open ${mb(open.heapUsed)} → closed ${mb(after.heapUsed)}; rss ${mb(before.rss)} → ${mb(open.rss)} → ${mb(after.rss)} (gc: ${gc ? 'yes' : 'no'})`);
    if (gc) expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_SLACK);
    else expect(after.rss - before.rss).toBeLessThan(RSS_SLACK);
  }, 180_000);
});
