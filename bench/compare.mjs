// `node bench/compare.mjs --base <checkout> [--head <checkout>] [--kinds pass,routed] [--rounds 8] [--seconds 2] [--body <json>]`:
// what a change costs per request. Runs this checkout's bench targets beside the same targets
// from another checkout (built: `node scripts/build.mjs` there), against one emulator, in
// interleaved rounds (every target once per round, the order turned each round) so load from
// elsewhere on the machine falls on all of them alike. Reports req/s, the gateway's CPU µs per
// response, each of this checkout's rows against the base's passthrough, and the gateway's garbage
// collection pauses per response (the base's bench children must report `gcMs`; else –).
//   git worktree add /tmp/aurora-base <commit> && (cd /tmp/aurora-base && npm ci && node scripts/build.mjs)
//   node bench/compare.mjs --base /tmp/aurora-base
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { fmt, load, machine, mergeLoads, startChild, table } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const { values: flags } = parseArgs({
  options: { base: { type: 'string' }, head: { type: 'string' }, kinds: { type: 'string', default: 'pass,routed' }, rounds: { type: 'string', default: '8' }, seconds: { type: 'string', default: '2' }, connections: { type: 'string', default: '50' }, body: { type: 'string' } },
});
if (!flags.base) throw new Error('--base <checkout> is required: another Aurora checkout, built');
const base = resolve(flags.base);
const head = flags.head ? resolve(flags.head) : join(here, '..');
for (const dir of [base, head]) if (!existsSync(join(dir, 'dist/core/index.js'))) throw new Error(`${dir} is not built: run \`node scripts/build.mjs\` there`);

const UPSTREAM_KEY = 'sk-bench-upstream';
// `--body` replaces the request sent (e.g. '{"model":"deepseek-v4-pro","input":"hi","store":false}').
const BODY = flags.body ?? JSON.stringify({ model: 'deepseek-v4-pro', input: 'Reply with exactly ok' });
const rounds = Number(flags.rounds);
const seconds = Number(flags.seconds);
const connections = Number(flags.connections);
const tmp = mkdtempSync(join(os.tmpdir(), 'aurora-compare-'));
const env = { ...process.env };
for (const name of ['AURORA_MASTER_KEY', 'OPENAI_API_KEY', 'OPENAI_BASE_URL', 'DEEPSEEK_API_KEY', 'AURORA_CONFIG']) delete env[name];
const log = (line) => process.stderr.write(`compare: ${line}\n`);

const kinds = flags.kinds.split(',');
// The base checkout may not know a kind this one added (it then serves the plain passthrough): compare its `pass` only.
const targets = [
  { id: 'base:pass', dir: join(base, 'bench'), kind: 'pass' },
  ...kinds.map((kind) => ({ id: `head:${kind}`, dir: join(head, 'bench'), kind })),
];

const upstream = await startChild(join(here, 'upstream.mjs'), { apiKey: UPSTREAM_KEY }, { cwd: tmp, env });
const servers = {};
const runs = Object.fromEntries(targets.map((t) => [t.id, []]));
try {
  for (const t of targets) servers[t.id] = await startChild(join(t.dir, 'serve.mjs'), { kind: t.kind, upstream: upstream.url, apiKey: UPSTREAM_KEY }, { cwd: tmp, env });
  const run = (t, duration) => load({ url: servers[t.id].url, path: '/v1/responses', body: BODY, headers: { authorization: 'Bearer anything' }, connections, duration, cpuOf: servers[t.id] });
  log('warm-up, 1 s per target');
  for (const t of targets) await run(t, 1);
  for (let round = 0; round < rounds; round++) {
    log(`round ${round + 1}/${rounds}, ${seconds} s per target`);
    for (let i = 0; i < targets.length; i++) {
      const t = targets[(i + round) % targets.length];
      runs[t.id].push(await run(t, seconds));
    }
  }
} finally {
  for (const server of Object.values(servers)) await server.close();
  await upstream.close();
}

const m = machine();
const merged = Object.fromEntries(Object.entries(runs).map(([id, list]) => [id, mergeLoads(list)]));
const baseline = merged['base:pass'];
console.log(`\n## ${targets.map((t) => t.id).join(' vs ')}: /v1/responses non-stream, ${connections} connections, ${rounds} × ${seconds} s each\n`);
console.log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, load average ${m.loadavg} at the end; base: ${base}, head: ${head}\n`);
console.log(table(
  ['target', 'req/s', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU × base pass', 'GC µs/req', 'errors'],
  targets.map((t) => {
    const r = merged[t.id];
    return [t.id, fmt.n(r.rps), fmt.ms(r.p50), fmt.ms(r.p99), fmt.n(r.cpuUsPerReq), fmt.ratio(r.cpuUsPerReq / baseline.cpuUsPerReq), fmt.n(r.gcUsPerReq, 1), String(r.errors)];
  }),
));
