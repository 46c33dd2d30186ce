// Measurement helpers for bench/run.mjs: child processes, autocannon runs, a streaming client,
// the open-streams memory probe, and formatting. Plain .mjs: runs without a build step.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';

export { sleep };

/** What the figures were measured on: they mean nothing without it. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    loadavg: os.loadavg().map((v) => v.toFixed(2)).join(' '),
  };
}

/**
 * Fork a bench child (serve.mjs or upstream.mjs) and wait for its { url }. `stats()` and `close()` talk
 * to it over IPC. Its stderr is kept and shown only if it dies early.
 */
export async function startChild(script, arg, { execArgv = [], cwd, env } = {}) {
  const child = fork(script, [JSON.stringify(arg)], { execArgv, cwd, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const ready = new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening:\n${stderr}`)));
  });
  const { url } = await ready;
  return {
    url,
    pid: child.pid,
    stderr: () => stderr,
    /** { mem: process.memoryUsage(), cpu: process.cpuUsage(), gc } of the child. */
    async stats(gc = false) {
      child.send({ cmd: 'stats', gc });
      const [reply] = await once(child, 'message');
      return reply;
    },
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.send({ cmd: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(values) {
  const sorted = Float64Array.from(values).sort();
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] };
}

/**
 * One autocannon run, raw: 2xx count, seconds, and every 2xx latency. Latencies are taken from its
 * 'response' events (float ms, hrtime based): its own histogram keeps whole milliseconds, too coarse
 * for sub-millisecond overheads.
 */
export async function load({ url, path, body, headers, connections, duration, overallRate, cpuOf }) {
  const latencies = [];
  const before = cpuOf ? await cpuOf.stats() : undefined;
  const cpu0 = before?.cpu;
  const instance = autocannon({
    url: url + path,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    connections,
    duration,
    timeout: 10,
    ...(overallRate ? { overallRate } : {}),
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const result = await instance;
  const after = cpuOf ? await cpuOf.stats() : undefined;
  const cpu1 = after?.cpu;
  const cpuUs = cpu0 ? cpu1.user - cpu0.user + cpu1.system - cpu0.system : NaN;
  const gcUs = before?.gcMs !== undefined && after?.gcMs !== undefined ? (after.gcMs - before.gcMs) * 1000 : NaN;
  return { ok: result['2xx'], all: result['2xx'] + result.non2xx, seconds: result.duration, latencies, cpuUs, gcUs, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

/** Several raw `load` runs of one target (interleaved rounds) as one result. */
export function mergeLoads(runs) {
  const ok = runs.reduce((a, r) => a + r.ok, 0);
  const seconds = runs.reduce((a, r) => a + r.seconds, 0);
  return {
    rps: ok / seconds,
    // CPU time of the measured process (gateway, raw proxy, or the emulator for "direct") per response:
    // far less sensitive than req/s to other processes competing for the cores.
    cpuUsPerReq: runs.reduce((a, r) => a + r.cpuUs, 0) / runs.reduce((a, r) => a + r.all, 0),
    // Garbage-collection pauses of the measured process per response (NaN for a child that does not report them).
    gcUsPerReq: runs.reduce((a, r) => a + r.gcUs, 0) / runs.reduce((a, r) => a + r.all, 0),
    errors: runs.reduce((a, r) => a + r.errors + r.non2xx, 0),
    ...summary(runs.flatMap((r) => r.latencies)),
  };
}

/** One streamed POST: ms to response headers, first body byte, first text delta (`marker`), last byte. */
function streamOnce(agent, target, body, headers, marker) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const head = performance.now() - t0;
      let first;
      let ttft;
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        const now = performance.now() - t0;
        first ??= now;
        if (ttft === undefined) {
          const text = tail + chunk;
          if (marker.test(text)) ttft = now;
          else tail = text.slice(-80); // a marker may straddle two chunks
        }
      });
      res.on('end', () => resolve({ status: res.statusCode, head, ttfb: first ?? NaN, ttft: ttft ?? NaN, total: performance.now() - t0 }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `total` streamed requests, `concurrency` at a time, each on a kept-alive connection; raw rows. */
export async function streamLoad({ url, path, body, headers, concurrency, total, marker, cpuOf }) {
  const cpu0 = cpuOf ? (await cpuOf.stats()).cpu : undefined;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(path, url);
  const rows = [];
  const whyFailed = {};
  let failed = 0;
  let next = 0;
  const fail = (why) => {
    failed++;
    whyFailed[why] = (whyFailed[why] ?? 0) + 1;
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) {
      next++;
      try {
        const r = await streamOnce(agent, target, body, headers, marker);
        if (r.status !== 200) fail(String(r.status));
        else if (Number.isNaN(r.ttft)) fail('no text delta');
        else rows.push(r);
      } catch (err) {
        fail(err?.code ?? err?.message ?? 'error');
      }
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  const cpu1 = cpuOf ? (await cpuOf.stats()).cpu : undefined;
  const cpuUs = cpu0 ? cpu1.user - cpu0.user + cpu1.system - cpu0.system : NaN;
  return { rows, failed, whyFailed, seconds, cpuUs, count: rows.length + failed };
}

/** Several raw `streamLoad` runs of one target as one result: percentiles of TTFB, TTFT, total. */
export function mergeStreams(runs) {
  const rows = runs.flatMap((r) => r.rows);
  return {
    failed: runs.reduce((a, r) => a + r.failed, 0),
    whyFailed: runs.reduce((acc, r) => {
      for (const [k, v] of Object.entries(r.whyFailed)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {}),
    streamsPerSec: rows.length / runs.reduce((a, r) => a + r.seconds, 0),
    cpuUsPerStream: runs.reduce((a, r) => a + r.cpuUs, 0) / runs.reduce((a, r) => a + r.count, 0),
    ttfb: summary(rows.map((r) => r.ttfb)),
    ttft: summary(rows.map((r) => r.ttft)),
    total: summary(rows.map((r) => r.total)),
  };
}

/**
 * Open `count` slow streams through `target` (batches of 100: a burst of 1,000 connects overflows the
 * listen backlog), wait for each one's first body byte, read the child's memory, drop every client
 * connection, and read it again once the heap has settled (the gateway aborts its upstream calls and
 * drops their state; under load that takes seconds).
 */
export async function openStreams(target, { path, body, headers, count }) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
  const base = await target.stats(true);
  const url = new URL(path, target.url);
  const reqs = [];
  let ended = 0;
  const firstBytes = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    firstBytes.push(new Promise((resolve) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
        res.once('data', () => resolve(true));
        res.on('data', () => {});
        res.on('end', () => ended++);
        res.on('error', () => {});
      });
      req.on('error', () => resolve(false));
      req.end(body);
      reqs.push(req);
    }));
    if (i % 100 === 99) await sleep(30);
  }
  const opened = (await Promise.race([Promise.all(firstBytes), sleep(30_000).then(() => [])])).filter(Boolean).length;
  const openSeconds = (performance.now() - t0) / 1000;
  await sleep(500);
  const open = await target.stats(true);
  const endedBeforeSample = ended;
  for (const req of reqs) req.destroy();
  agent.destroy();
  const closedAt = performance.now();
  await sleep(1500);
  let after = await target.stats(true);
  for (let i = 0; i < 10; i++) {
    await sleep(1000);
    const next = await target.stats(true);
    const settled = next.mem.heapUsed > after.mem.heapUsed * 0.95;
    after = next;
    if (settled) break;
  }
  return { count, opened, openSeconds, endedBeforeSample, base: base.mem, open: open.mem, after: after.mem, settleSeconds: (performance.now() - closedAt) / 1000, gc: base.gc };
}

// --- formatting -----------------------------------------------------------------------------------

export const fmt = {
  n: (v, digits = 0) => (Number.isFinite(v) ? v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–'),
  ms: (v) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v.toFixed(1)) : '–'),
  ratio: (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–'),
  delta: (v) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)}` : '–'),
  mb: (bytes) => (Number.isFinite(bytes) ? (bytes / 2 ** 20).toFixed(1) : '–'),
};

export function table(head, rows) {
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}
