// `npm run soak [-- --minutes N] [-- --concurrency C] [-- --audit]`: a long mixed load against one
// gateway child (every model-path plugin: auth, effort, deepseek, openai; audit with --audit) in front
// of the emulated upstream (bench/upstream.mjs), both child processes as in `npm run bench`.
// Prints the child's RSS and heap (after a full GC) every 30 s and the error count; the verdict
// says whether RSS stayed flat: the mean of the last third of the samples against the middle third
// (the first third is warm-up: JIT, pools, caches). Not run in CI; asserts nothing, exits 0 unless
// the set-up itself fails.
//
// Mix (per request, at random): Responses passthrough (stream 30%, JSON 15%), Responses through the
// DeepSeek translation with tools and effort (stream 20%, JSON 10%), Chat Completions (DeepSeek
// stream 10%, passthrough JSON 5%), a client that hangs up after the first event (5%), and an
// invalid body answered 400 (5%). Anything else than the expected answer counts as an error.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { answerParent } from './child-ipc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const UPSTREAM_KEY = 'sk-soak-upstream-0123456789';
const MASTER_KEY = 'soak-master-key-0123456789';

// --- the gateway child ------------------------------------------------------------------------

async function serve(spec) {
  const { createGateway } = await import('aurora');
  const plugin = async (name) => (await import(`aurora/plugins/${name}`)).default;
  const plugins = [
    (await plugin('auth'))({ masterKey: MASTER_KEY, dir: join(spec.dir, 'auth') }),
    (await plugin('effort'))(),
    (await plugin('deepseek'))({ baseUrl: spec.upstream, apiKey: UPSTREAM_KEY }),
    (await plugin('openai'))({ baseUrl: `${spec.upstream}/v1`, apiKey: UPSTREAM_KEY }),
  ];
  if (spec.audit) plugins.push((await plugin('audit'))({ dir: join(spec.dir, 'audit') }));
  // 'warn': the parent keeps the child's stderr, and one info line per request would be a leak of its own.
  const gateway = await createGateway({ log: { level: 'warn' }, plugins });
  const { url } = await gateway.listen({ port: 0, host: '127.0.0.1' });
  answerParent(() => gateway.close());
  // An orphan would hold its port and memory: leave with the parent.
  process.on('disconnect', () => process.exit(0));
  process.send({ url });
}

// --- the load generator -------------------------------------------------------------------------

async function main() {
  const { values: flags } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '32' },
      audit: { type: 'boolean', default: false },
      build: { type: 'boolean', default: false },
    },
  });
  const minutes = Number(flags.minutes);
  const concurrency = Number(flags.concurrency);
  if (!(minutes > 0) || !(concurrency > 0)) throw new Error('--minutes and --concurrency take positive numbers');
  const { startChild, machine, sleep } = await import('./lib.mjs');

  if (flags.build || !existsSync(join(root, 'dist/core/index.js'))) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('build failed');
  }
  const tmp = mkdtempSync(join(os.tmpdir(), 'aurora-soak-'));
  const env = { ...process.env };
  for (const name of ['AURORA_MASTER_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DEEPSEEK_API_KEY', 'AURORA_CONFIG']) delete env[name];

  const m = machine();
  console.log(`soak: ${minutes} min, ${concurrency} concurrent clients, plugins auth effort deepseek openai${flags.audit ? ' audit' : ''}`);
  console.log(`machine: ${m.cpu}, ${m.cores} cores, node ${m.node}, load ${m.loadavg}`);

  const children = [];
  try {
    const upstream = await startChild(join(here, 'upstream.mjs'), { apiKey: UPSTREAM_KEY, streamChunks: 20 }, { cwd: tmp, env });
    children.push(upstream);
    const gateway = await startChild(join(here, 'soak.mjs'), { upstream: upstream.url, dir: tmp, audit: flags.audit }, { cwd: tmp, env: { ...env, AURORA_SOAK_CHILD: '1' }, execArgv: ['--expose-gc'] });
    children.push(gateway);
    await soak(gateway, { minutes, concurrency, sleep, audit: flags.audit });
  } finally {
    for (const child of children.reverse()) await child.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function soak(gateway, { minutes, concurrency, sleep, audit }) {

  const counts = { done: 0, ok: 0, aborted: 0, refused: 0, errors: 0 };
  const why = {};
  const fail = (reason) => {
    counts.errors++;
    why[reason] = (why[reason] ?? 0) + 1;
  };

  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const started = performance.now();
  const endAt = started + minutes * 60_000;
  let stopping = false;
  const workers = Array.from({ length: concurrency }, async () => {
    while (!stopping && performance.now() < endAt) {
      const kind = pick();
      try {
        const outcome = await send(agent, gateway.url, kind);
        if (outcome === true) counts[kind.id === 'abort' ? 'aborted' : kind.id === 'invalid' ? 'refused' : 'ok']++;
        else fail(`${kind.id}: ${outcome}`);
      } catch (err) {
        fail(`${kind.id}: ${err?.code ?? err?.message ?? err}`);
      }
      counts.done++;
    }
  });

  const samples = [];
  const mb = (n) => (n / 2 ** 20).toFixed(1);
  const sample = async () => {
    const { mem } = await gateway.stats(true);
    const t = (performance.now() - started) / 1000;
    samples.push({ t, rss: mem.rss, heap: mem.heapUsed, external: mem.external, done: counts.done, errors: counts.errors });
    return samples.at(-1);
  };
  const print = (s, prev) => {
    const rate = prev ? (s.done - prev.done) / (s.t - prev.t) : 0;
    console.log(`${fmtTime(s.t)}  rss ${mb(s.rss).padStart(6)} MB  heap ${mb(s.heap).padStart(6)} MB  external ${mb(s.external).padStart(5)} MB  requests ${String(s.done).padStart(7)} (${rate.toFixed(0)}/s)  errors ${s.errors}`);
  };

  // Samples every 5 s feed the verdict; every sixth one (30 s) is printed.
  print(await sample());
  let lastPrinted = samples[0];
  const ticker = (async () => {
    for (let i = 1; performance.now() < endAt; i++) {
      await sleep(Math.max(0, Math.min(5_000, endAt - performance.now())));
      const s = await sample();
      if (i % 6 === 0) {
        print(s, lastPrinted);
        lastPrinted = s;
      }
    }
  })();
  const interrupt = () => { stopping = true; };
  process.once('SIGINT', interrupt);
  await Promise.all(workers);
  await ticker;
  agent.destroy();
  await sleep(1_000);
  const last = await sample();
  print(last, lastPrinted);

  const seconds = (performance.now() - started) / 1000;
  console.log(`\nrequests: ${counts.done} in ${seconds.toFixed(0)} s (${(counts.done / seconds).toFixed(0)}/s): ${counts.ok} answered, ${counts.aborted} hung up on purpose, ${counts.refused} invalid bodies refused (400)`);
  console.log(`errors: ${counts.errors}${counts.errors ? ` (${Object.entries(why).map(([k, v]) => `${k} ×${v}`).join('; ')})` : ''}`);
  console.log(verdict(samples.slice(0, -1)));
  if (audit) console.log('note: the audit store keeps up to 50,000 index entries in memory (~1.3 KB each, plugins/audit/README.md): with --audit, growth of about that much per request until then is by design, not a leak.');
}

/** RSS (and heap) flat: the last third's mean within 5% + 8 MB of the middle third's. */
function verdict(samples) {
  if (samples.length < 6) return `verdict: too few samples (${samples.length}) to judge; run longer`;
  const third = Math.floor(samples.length / 3);
  const mean = (xs, key) => xs.reduce((a, s) => a + s[key], 0) / xs.length;
  const middle = samples.slice(third, 2 * third);
  const lastThird = samples.slice(2 * third);
  const judge = (key) => {
    const a = mean(middle, key);
    const b = mean(lastThird, key);
    const flat = b <= a * 1.05 + 8 * 2 ** 20;
    return { flat, text: `${(a / 2 ** 20).toFixed(1)} → ${(b / 2 ** 20).toFixed(1)} MB (${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%)` };
  };
  const rss = judge('rss');
  const heap = judge('heap');
  return `verdict: RSS ${rss.flat ? 'FLAT' : 'GROWING'} — middle-third mean vs last-third mean ${rss.text}; heap after GC ${heap.flat ? 'flat' : 'growing'} ${heap.text}`;
}

function fmtTime(seconds) {
  const s = Math.round(seconds);
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

// --- the request mix ----------------------------------------------------------------------------

const LONG = 'Summarise the following so that the stream has pieces to send: '.padEnd(400, 'lorem ipsum dolor sit amet ');
const TOOLS = [
  { type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
  { type: 'custom', name: 'apply_patch' },
];
const KINDS = [
  { id: 'responses-stream', weight: 30, path: '/v1/responses', stream: true, body: { model: 'gpt-4.1-mini', input: LONG, stream: true } },
  { id: 'responses-json', weight: 15, path: '/v1/responses', body: { model: 'gpt-4.1-mini', input: 'Reply with exactly ok' } },
  { id: 'deepseek-stream', weight: 20, path: '/v1/responses', stream: true, body: { model: 'deepseek-v4-pro', input: [{ role: 'user', content: LONG }], tools: TOOLS, reasoning: { effort: 'xhigh' }, include: ['reasoning.encrypted_content'], stream: true } },
  { id: 'deepseek-json', weight: 10, path: '/v1/responses', body: { model: 'deepseek-v4-flash', input: 'Reply with exactly ok', reasoning: { effort: 'low' } } },
  { id: 'chat-stream', weight: 10, path: '/v1/chat/completions', stream: true, body: { model: 'deepseek-v4-flash', messages: [{ role: 'user', content: LONG }], stream: true, stream_options: { include_usage: true } } },
  { id: 'chat-json', weight: 5, path: '/v1/chat/completions', body: { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Reply with exactly ok' }] } },
  { id: 'abort', weight: 5, path: '/v1/responses', stream: true, body: { model: 'deepseek-v4-pro', input: LONG, stream: true } },
  { id: 'invalid', weight: 5, path: '/v1/responses', body: { model: 42, input: 'hi' } },
].map((k) => ({ ...k, payload: JSON.stringify(k.body) }));
const TOTAL = KINDS.reduce((a, k) => a + k.weight, 0);

function pick() {
  let r = Math.random() * TOTAL;
  for (const kind of KINDS) if ((r -= kind.weight) < 0) return kind;
  return KINDS[0];
}

/** One request; resolves true when the answer is the expected one, else a short reason. */
function send(agent, base, kind) {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(kind.path, base), {
      method: 'POST',
      agent,
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(kind.payload) },
    });
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.on('response', (res) => {
      if (kind.id === 'abort') {
        res.once('data', () => {
          req.destroy();
          resolve(res.statusCode === 200 || `status ${res.statusCode}`);
        });
        res.on('error', () => {});
        return;
      }
      let tail = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (tail = (tail + chunk).slice(-2048)));
      res.on('error', reject);
      res.on('end', () => {
        if (kind.id === 'invalid') return resolve(res.statusCode === 400 || `status ${res.statusCode}`);
        if (res.statusCode !== 200) return resolve(`status ${res.statusCode}`);
        if (!kind.stream) return resolve(true);
        const complete = kind.path === '/v1/responses' ? tail.includes('event: response.completed') : tail.includes('data: [DONE]');
        resolve(complete || 'stream ended without its terminal event');
      });
    });
    req.end(kind.payload);
  });
}

if (process.env.AURORA_SOAK_CHILD) await serve(JSON.parse(process.argv[2]));
else await main();
