// `npm run bench [-- --quick] [-- --profile] [-- --build]`: Aurora's overhead against the emulated
// upstream called directly and against a bare node:http proxy, in one run, every target under the
// same load on 127.0.0.1. The emulator and each target run as child processes (own event loops);
// the load generator is this process. Also: `node core --workers 1|2` rows (workers.mjs) and the audit
// store at 1k/10k/100k records (audit-store.mjs). Prints markdown tables; asserts no thresholds.
// See bench/README.md for what each number means.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fmt, load, machine, mergeLoads, mergeStreams, openStreams, startChild, streamLoad, table } from './lib.mjs';
import { printProfile, summarizeProfile } from './profile.mjs';
import { benchAuditStore } from './audit-store.mjs';
import { benchTranslator } from './translator.mjs';
import { startCoreWorkers } from './workers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const { values: flags } = parseArgs({ options: { quick: { type: 'boolean' }, profile: { type: 'boolean' }, build: { type: 'boolean' } } });

// Durations and counts are totals per target, split over `rounds` interleaved rounds (every target once
// per round) so that a burst of load from elsewhere on the machine does not land on one target only.
const S = flags.quick
  ? { rounds: 1, warm: 0.3, duration: 1, rateDuration: 1, rate: 200, rateConns: 1, conns: 50, c1: 10, c100: 100, openStreams: 200, translatorS: 0.5, auditSizes: [1000, 10000] }
  : { rounds: 2, warm: 1, duration: 6, rateDuration: 4, rate: 200, rateConns: 1, conns: 50, c1: 50, c100: 400, openStreams: 1000, translatorS: 3, auditSizes: [1000, 10000, 100000] };

const UPSTREAM_KEY = 'sk-bench-upstream';
const MASTER_KEY = 'bench-master-key';
const MODEL = 'deepseek-v4-pro'; // every target accepts it: the openai passthrough claims all models
const LONG = 'Summarise the following so that the stream has fifty pieces to send: '.padEnd(200, 'lorem ipsum dolor sit amet ');
const BODIES = {
  responses: JSON.stringify({ model: MODEL, input: 'Reply with exactly ok' }),
  chat: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Reply with exactly ok' }] }),
  responsesStream: JSON.stringify({ model: MODEL, input: LONG, stream: true }),
  chatStream: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: LONG }], stream: true }),
};
const PATHS = { responses: '/v1/responses', chat: '/v1/chat/completions' };
// First text delta of each wire format: TTFT is the time until it arrives.
const MARKERS = { responses: /response\.output_text\.delta/, chat: /"content":"[^"]/ };

const auditBuilt = existsSync(join(root, 'dist/plugins/audit/index.js'));
const TARGETS = [
  { id: 'direct', label: 'upstream direct', key: UPSTREAM_KEY },
  { id: 'raw', label: 'raw node:http proxy', key: UPSTREAM_KEY },
  // Non-stream throughput rounds only: what http-proxy-3 plus reading the body costs, for reference.
  { id: 'hp3', label: 'http-proxy-3 + body read (floor for the passthrough)', key: UPSTREAM_KEY, throughputOnly: true },
  { id: 'pass', label: 'Aurora passthrough', key: 'anything' },
  { id: 'routed', label: 'Aurora passthrough, pool of 3 + fallback chain', key: 'anything' },
  { id: 'auth', label: 'Aurora + auth', key: MASTER_KEY, masterKey: MASTER_KEY },
  { id: 'audit', label: 'Aurora + auth + audit', key: MASTER_KEY, masterKey: MASTER_KEY, skip: auditBuilt ? undefined : 'dist/plugins/audit is not built yet' },
  { id: 'deepseek', label: 'Aurora → DeepSeek (translating)', key: 'anything' },
  // The passthrough config started as users start it, `node core --workers N` (node:cluster shares the
  // port). Non-stream throughput rounds only; CPU is the primary's plus every worker's.
  { id: 'w1', label: 'Aurora passthrough, `node core --workers 1`', key: 'anything', workers: 1 },
  { id: 'w2', label: 'Aurora passthrough, `node core --workers 2`', key: 'anything', workers: 2 },
];
const MEMORY_TARGETS = ['raw', 'pass', 'audit', 'deepseek'];

const tmp = mkdtempSync(join(os.tmpdir(), 'aurora-bench-'));
const childEnv = { ...process.env };
for (const name of ['AURORA_MASTER_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DEEPSEEK_API_KEY', 'AURORA_CONFIG']) delete childEnv[name];
const log = (line) => process.stderr.write(`bench: ${line}\n`);

function ensureBuilt() {
  if (!flags.build && existsSync(join(root, 'dist/core/index.js'))) return;
  log('building dist/ (node scripts/build.mjs)');
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('build failed');
}

const startUpstream = (options) => startChild(join(here, 'upstream.mjs'), { apiKey: UPSTREAM_KEY, ...options }, { cwd: tmp, env: childEnv });

async function startTarget(target, upstream, execArgv = []) {
  // "direct" is the emulator itself: its CPU is what the CPU column shows for that row.
  if (target.id === 'direct') return { url: upstream.url, stats: upstream.stats, close: async () => {} };
  if (target.workers) return startCoreWorkers({ workers: target.workers, upstream: upstream.url, apiKey: UPSTREAM_KEY, cwd: tmp, env: childEnv });
  const upstreamUrl = upstream.url;
  const spec = { kind: target.id, upstream: upstreamUrl, apiKey: UPSTREAM_KEY, masterKey: target.masterKey, auditDir: join(tmp, `audit-${Date.now()}`) };
  return startChild(join(here, 'serve.mjs'), spec, { execArgv, cwd: tmp, env: childEnv });
}

async function measureAll(upstream) {
  const live = TARGETS.filter((t) => !t.skip);
  const servers = {};
  const runs = Object.fromEntries(live.map((t) => [t.id, {}]));
  try {
    for (const t of live) servers[t.id] = await startTarget(t, upstream);
    const hdr = (t) => ({ authorization: `Bearer ${t.key}` });
    // Each round visits every target, starting one further along, so no target always goes first.
    // The multi-worker targets take part in the non-stream throughput rounds only (`all`).
    const rounds = async (what, run, all = false) => {
      const list = all ? live : live.filter((t) => !t.workers && !t.throughputOnly);
      for (let round = 0; round < S.rounds; round++) {
        log(`${what}, round ${round + 1}/${S.rounds}`);
        for (let i = 0; i < list.length; i++) {
          const t = list[(i + round) % list.length];
          const [key, result] = await run(t, servers[t.id], hdr(t));
          (runs[t.id][key] ??= []).push(result);
        }
      }
    };
    log(`warm-up, ${S.warm} s per target`);
    for (const t of live) await load({ url: servers[t.id].url, path: PATHS.responses, body: BODIES.responses, headers: hdr(t), connections: S.conns, duration: S.warm });
    for (const ep of ['responses', 'chat']) {
      await rounds(`${ep}: ${S.conns} connections, ${S.duration / S.rounds} s per target`, async (t, srv, headers) =>
        [`${ep}Load`, await load({ url: srv.url, path: PATHS[ep], body: BODIES[ep], headers, connections: S.conns, duration: S.duration / S.rounds, cpuOf: srv })], true);
      await rounds(`${ep}: ${S.rate} req/s over ${S.rateConns} connections, ${S.rateDuration / S.rounds} s per target`, async (t, srv, headers) =>
        [`${ep}Rate`, await load({ url: srv.url, path: PATHS[ep], body: BODIES[ep], headers, connections: S.rateConns, duration: S.rateDuration / S.rounds, overallRate: S.rate })]);
    }
    for (const ep of ['responses', 'chat']) {
      for (const [c, total] of [[1, S.c1], [100, S.c100]]) {
        await rounds(`${ep} streams: concurrency ${c}, ${total / S.rounds} per target`, async (t, srv, headers) =>
          [`${ep}Stream${c}`, await streamLoad({ url: srv.url, path: PATHS[ep], body: BODIES[`${ep}Stream`], headers, concurrency: c, total: total / S.rounds, marker: MARKERS[ep], cpuOf: srv })]);
      }
    }
  } finally {
    for (const server of Object.values(servers)) await server.close();
  }
  const results = {};
  for (const [id, byKey] of Object.entries(runs)) {
    results[id] = Object.fromEntries(Object.entries(byKey).map(([key, list]) => [key, key.includes('Stream') ? mergeStreams(list) : mergeLoads(list)]));
  }
  return results;
}

async function measureMemory() {
  // A dedicated emulator with 1 s between events: a stream lasts a minute or more, so every one is still
  // open when sampled, and 1,000 streams cost the gateway ~1,000 events/s rather than saturating it.
  const slow = await startUpstream({ streamChunks: 50, chunkDelayMs: 1000 });
  const out = {};
  try {
    for (const id of MEMORY_TARGETS) {
      const target = TARGETS.find((t) => t.id === id);
      if (target.skip) continue;
      log(`${id}: memory with ${S.openStreams} open streams`);
      const server = await startTarget(target, slow, ['--expose-gc']);
      try {
        out[id] = await openStreams(server, { path: PATHS.responses, body: BODIES.responsesStream, headers: { authorization: `Bearer ${target.key}` }, count: S.openStreams });
      } finally {
        await server.close();
      }
    }
  } finally {
    await slow.close();
  }
  return out;
}

async function profilePassthrough() {
  const dir = join(here, '.tmp/profiles');
  mkdirSync(dir, { recursive: true });
  const upstream = await startUpstream({ streamChunks: 50 });
  const target = TARGETS.find((t) => t.id === 'pass');
  const before = new Set(readdirSync(dir));
  const server = await startTarget(target, upstream, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '250']);
  const headers = { authorization: `Bearer ${target.key}` };
  try {
    log(`profiling pass: responses ${S.conns} connections ${S.duration} s, chat ${S.duration / 2} s, streams at concurrency 100`);
    const a = await load({ url: server.url, path: PATHS.responses, body: BODIES.responses, headers, connections: S.conns, duration: S.duration });
    const b = await load({ url: server.url, path: PATHS.chat, body: BODIES.chat, headers, connections: S.conns, duration: S.duration / 2 });
    const c = await streamLoad({ url: server.url, path: PATHS.responses, body: BODIES.responsesStream, headers, concurrency: 100, total: S.c100, marker: MARKERS.responses });
    console.log(`Load while profiling: ${a.all} /v1/responses and ${b.all} /v1/chat/completions non-stream requests at ${S.conns} connections, then ${c.count} Responses streams (50 pieces) at concurrency 100.\n`);
  } finally {
    await server.close();
    await upstream.close();
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (!file) throw new Error(`no .cpuprofile was written to ${dir}`);
  console.log(`CPU profile of the Aurora passthrough child: bench/.tmp/profiles/${file}\n`);
  printProfile(summarizeProfile(join(dir, file), 25));
}

/** "0", or "3 (502×2, ECONNRESET×1)". */
function failures(...runs) {
  const why = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.whyFailed)) why[k] = (why[k] ?? 0) + v;
  const n = Object.values(why).reduce((a, v) => a + v, 0);
  return n ? `${n} (${Object.entries(why).map(([k, v]) => `${k}×${v}`).join(', ')})` : '0';
}

function report(m, results, memory, translator, auditStore) {
  const print = (s = '') => console.log(s);
  const get = (id) => results[id];
  const ratio = (a, b) => (a && b ? a / b : NaN);
  const loadRows = TARGETS.filter((t) => !t.skip);
  const rows = loadRows.filter((t) => !t.workers && !t.throughputOnly);

  print(`\n## Non-stream throughput: ${S.conns} connections, ${S.duration} s per endpoint and target\n`);
  print('CPU µs/req: CPU time (user+system) of the measured process per response: the gateway or proxy child, the emulator on the "direct" row, the primary and all workers on the `node core` rows.\n');
  print(table(
    ['target', 'responses req/s', 'p50 ms', 'p99 ms', '× direct', '× raw', 'CPU µs/req', 'chat req/s', 'p50 ms', 'p99 ms', '× direct', '× raw', 'CPU µs/req', 'errors'],
    loadRows.map((t) => {
      const r = get(t.id);
      const cells = [t.label];
      for (const ep of ['responses', 'chat']) {
        const x = r[`${ep}Load`];
        cells.push(fmt.n(x.rps), fmt.ms(x.p50), fmt.ms(x.p99), fmt.ratio(ratio(x.rps, get('direct')[`${ep}Load`].rps)), fmt.ratio(ratio(x.rps, get('raw')[`${ep}Load`].rps)), fmt.n(x.cpuUsPerReq));
      }
      cells.push(String(r.responsesLoad.errors + r.chatLoad.errors));
      return cells;
    }),
  ));

  if (get('hp3')) {
    const line = (ep) => {
      const [raw, floor, pass] = ['raw', 'hp3', 'pass'].map((id) => get(id)[`${ep}Load`]);
      return `${ep}: the floor ${fmt.ratio(ratio(floor.rps, raw.rps))} of the raw proxy (${fmt.n(floor.cpuUsPerReq)} vs ${fmt.n(raw.cpuUsPerReq)} CPU µs/req), Aurora passthrough ${fmt.ratio(ratio(pass.rps, floor.rps))} of the floor (${fmt.n(pass.cpuUsPerReq)} CPU µs/req)`;
    };
    print(`\nThe http-proxy-3 row forwards with the library the passthrough must use, reading and parsing the body as routing by model needs, and nothing else:\n- ${line('responses')}\n- ${line('chat')}`);
  }

  print(`\n## Added latency at a fixed ${S.rate} req/s (${S.rateConns} connection${S.rateConns > 1 ? 's' : ''}, ${S.rateDuration} s), ms\n`);
  print(table(
    ['target', 'responses p50', 'p99', '+p50 vs direct', '+p50 vs raw', 'chat p50', 'p99', '+p50 vs direct', '+p50 vs raw'],
    rows.map((t) => {
      const cells = [t.label];
      for (const ep of ['responses', 'chat']) {
        const x = get(t.id)[`${ep}Rate`];
        cells.push(fmt.ms(x.p50), fmt.ms(x.p99), fmt.delta(x.p50 - get('direct')[`${ep}Rate`].p50), fmt.delta(x.p50 - get('raw')[`${ep}Rate`].p50));
      }
      return cells;
    }),
  ));

  print(`\n## Streaming, 50 text pieces per answer, ms (TTFB = first body byte, TTFT = first text delta)\n`);
  const streamRows = [];
  for (const t of rows) {
    for (const ep of ['responses', 'chat']) {
      const a = get(t.id)[`${ep}Stream1`];
      const b = get(t.id)[`${ep}Stream100`];
      streamRows.push([`${t.label} · ${ep}`, fmt.ms(a.ttfb.p50), fmt.ms(a.ttft.p50), fmt.ms(a.total.p50), fmt.ms(a.total.p99), fmt.ms(b.ttfb.p50), fmt.ms(b.ttfb.p99), fmt.ms(b.total.p50), fmt.ms(b.total.p99), fmt.n(b.streamsPerSec), fmt.n(b.cpuUsPerStream), failures(a, b)]);
    }
  }
  print(table(['target · endpoint', 'c1 TTFB p50', 'c1 TTFT p50', 'c1 total p50', 'c1 total p99', 'c100 TTFB p50', 'c100 TTFB p99', 'c100 total p50', 'c100 total p99', 'c100 streams/s', 'c100 CPU µs/stream', 'failed'], streamRows));

  if (get('deepseek')) {
    const ds = get('deepseek');
    const d = get('direct');
    print('\n## DeepSeek translation (Responses request → /chat/completions upstream → Responses events)\n');
    print(`- translator alone (esbuild bundle of plugins/deepseek/stream.ts): **${translator.translatorUs.toFixed(2)} µs per upstream chunk** ` +
      `(${translator.chunksIn} chunks in → ${translator.eventsOut.toFixed(0)} events out); an identity TransformStream over the same events costs ${translator.identityUs.toFixed(2)} µs, so the translation itself is ${translator.ownUs.toFixed(2)} µs (medians of 7 interleaved rounds)`);
    const a = translator.anthropic;
    print(`- Anthropic translator alone (plugins/anthropic/stream.ts, Messages events → Responses events, Claude thinking then text): **${a.translatorUs.toFixed(2)} µs per upstream event** ` +
      `(${a.chunksIn} events in → ${a.eventsOut.toFixed(0)} out); the translation itself ${a.ownUs.toFixed(2)} µs`);
    const m = translator.messages;
    print(`- Messages front door alone (core/front-doors/messages-response.ts, hub events → Messages events, fed the DeepSeek translator's output as for Claude Code → DeepSeek): **${m.translatorUs.toFixed(2)} µs per hub event** ` +
      `(${m.chunksIn} events in → ${m.eventsOut.toFixed(0)} out); the translation itself ${m.ownUs.toFixed(2)} µs over an identity TransformStream's ${m.identityUs.toFixed(2)} µs`);
    for (const c of [1, 100]) {
      const x = ds[`responsesStream${c}`];
      print(`- concurrency ${c}: TTFT p50 ${fmt.ms(x.ttft.p50)} ms; added vs the emulator's own /chat/completions stream ${fmt.delta(x.ttft.p50 - d[`chatStream${c}`].ttft.p50)} ms, vs its native /v1/responses stream ${fmt.delta(x.ttft.p50 - d[`responsesStream${c}`].ttft.p50)} ms`);
    }
  }

  if (get('audit')) {
    const line = (ep) => `${ep}: ${fmt.ratio(ratio(get('audit')[`${ep}Load`].rps, get('auth')[`${ep}Load`].rps))} of auth-only, ${fmt.ratio(ratio(get('audit')[`${ep}Load`].rps, get('pass')[`${ep}Load`].rps))} of passthrough`;
    print(`\n## Audit on vs off (throughput at ${S.conns} connections)\n\n- ${line('responses')}\n- ${line('chat')}`);
  } else print('\n## Audit on vs off\n\n- skipped: dist/plugins/audit is not built yet');

  if (get('w1') && get('w2')) {
    const line = (ep) => {
      const [a, b] = [get('w1')[`${ep}Load`], get('w2')[`${ep}Load`]];
      return `${ep}: 1 worker ${fmt.n(a.rps)} req/s (${fmt.n(a.cpuUsPerReq)} CPU µs/req), 2 workers ${fmt.n(b.rps)} req/s (${fmt.n(b.cpuUsPerReq)} CPU µs/req): ${fmt.ratio(ratio(b.rps, a.rps))}`;
    };
    print(`\n## 1 vs 2 workers (\`node core --workers N\`, passthrough config, ${S.conns} connections)\n\n- ${line('responses')}\n- ${line('chat')}`);
    print(`\nOn ${m.cores} cores the load generator and the emulator compete with the workers for the same cores: this shows what cluster mode costs per request and that it works, not how far it scales on a machine with cores to spare.`);
  }

  print(`\n## Gateway memory: ${S.openStreams} concurrent open Responses streams (emulator sends an event a second), MiB\n`);
  print(table(
    ['target', 'RSS idle', 'heap idle', 'RSS open', 'heap open', 'KiB RSS / stream', 'KiB heap / stream', 'RSS closed', 'heap closed', 'streams opened', 's to open all'],
    MEMORY_TARGETS.filter((id) => memory[id]).map((id) => {
      const x = memory[id];
      return [TARGETS.find((t) => t.id === id).label, fmt.mb(x.base.rss), fmt.mb(x.base.heapUsed), fmt.mb(x.open.rss), fmt.mb(x.open.heapUsed),
        fmt.n((x.open.rss - x.base.rss) / 1024 / x.opened, 1), fmt.n((x.open.heapUsed - x.base.heapUsed) / 1024 / x.opened, 1),
        fmt.mb(x.after.rss), fmt.mb(x.after.heapUsed), `${x.opened}/${x.count}${x.endedBeforeSample ? ` (${x.endedBeforeSample} ended early)` : ''}`, fmt.n(x.openSeconds, 1)];
    }),
  ));
  const settle = MEMORY_TARGETS.filter((id) => memory[id]).map((id) => `${id} ${memory[id].settleSeconds.toFixed(1)} s`).join(', ');
  print(`\nHeap figures are after two full GCs (child runs with --expose-gc). "closed": after every client disconnected, once the heap stopped shrinking (${settle}).`);

  print(`\n## Audit store (default lowdb store, bench/audit-store/lowdb.ts): ${S.auditSizes.map((n) => n.toLocaleString('en-US')).join(' / ')} records\n`);
  print('Append: records/s through append() + flush, batches of 1,000. Queries on a reopened store (cold cache unless "warm"); ms.\n');
  print(table(
    ['records', 'append rec/s', 'start-up', 'first page', 'filtered page', 'text search (1% word)', 'full scan cold', 'full scan warm', 'get by id', 'get oldest, cold', 'stats 24 h', 'disk MB', 'heap MB'],
    auditStore.results.map((r) => [fmt.n(r.records), fmt.n(r.appendPerSec), fmt.ms(r.startupMs), fmt.ms(r.queryMs), fmt.ms(r.filteredQueryMs), fmt.ms(r.textSearchMs), fmt.ms(r.fullScanMs), fmt.ms(r.fullScanWarmMs), fmt.ms(r.getMs), fmt.ms(r.getColdMs), fmt.ms(r.statsMs), fmt.n(r.diskMB, 1), fmt.n(r.heapMB, 1)]),
  ));
  if (auditStore.warnings) print(`\nThe store logged while measuring (the figures may not mean much):\n\n\`\`\`\n${auditStore.warnings}\n\`\`\``);
  if (TARGETS.some((t) => t.skip)) for (const t of TARGETS.filter((t) => t.skip)) print(`Row "${t.label}" skipped: ${t.skip}.`);
}

async function main() {
  ensureBuilt();
  const m = machine();
  console.log(`# Aurora bench${flags.quick ? ' (--quick: short runs, for smoke only)' : ''}${flags.profile ? ' (--profile)' : ''}\n`);
  console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memGiB} GiB, ${m.os}, Node ${m.node}. Load generator, emulator and target each in their own process on 127.0.0.1.`);
  console.log(`Load average at start (1/5/15 min): ${m.loadavg}${os.loadavg()[0] > m.cores / 2 ? ' (other processes are busy: expect noisy figures)' : ''}\n`);
  if (flags.profile) return profilePassthrough();

  for (const t of TARGETS.filter((t) => t.skip)) log(`${t.id}: skipped (${t.skip})`);
  const upstream = await startUpstream({ streamChunks: 50 });
  let results;
  try {
    results = await measureAll(upstream);
  } finally {
    await upstream.close();
  }
  const memory = await measureMemory();
  log(`stream translator micro-benchmarks (DeepSeek, Messages front door), ${S.translatorS} s each`);
  const translator = await benchTranslator({ seconds: S.translatorS });
  log(`audit store at ${S.auditSizes.join(', ')} records (bench/audit-store/lowdb.ts)`);
  const auditStore = await benchAuditStore({ sizes: S.auditSizes, env: childEnv });
  mkdirSync(join(here, '.tmp'), { recursive: true });
  writeFileSync(join(here, '.tmp/last-run.json'), JSON.stringify({ machine: m, settings: S, results, memory, translator, auditStore }, null, 2));
  report(m, results, memory, translator, auditStore);
  console.log(`\nLoad average at end (1/5/15 min): ${machine().loadavg}`);
}

try {
  await main();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
