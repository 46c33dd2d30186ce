// Multi-worker target: the passthrough gateway started the way a user starts it, as
// `node core --config <file> --workers N` (core/main.ts; N > 1 forks N workers with node:cluster that
// share the port). The config is written into bench/.tmp (the loader bundles it beside itself) and
// removed once every worker is listening. The child has no IPC channel to the bench, so its CPU time
// is read from /proc (Linux): the primary plus every worker, which is what N workers cost per request.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const TICK_US = 1e6 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

/** utime + stime of one process in µs, or 0 once it is gone. */
function cpuOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields[0] is field 3 (state)
    return (Number(fields[11]) + Number(fields[12])) * TICK_US;
  } catch {
    return 0;
  }
}

function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== pid) continue;
      // Only node processes: the primary also holds esbuild's service process from loading the config.
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0')[0] === process.execPath) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function configSource({ upstream, apiKey, authDir }) {
  return `// Written by bench/workers.mjs; removed once the gateway is listening.
import { defineConfig } from 'aurora';
import auth from 'aurora/plugins/auth';
import openai from 'aurora/plugins/openai';

export default defineConfig({
  server: { host: '127.0.0.1', port: 0 },
  log: { level: 'error' },
  plugins: [
    auth({ dir: ${JSON.stringify(authDir)}, watch: false }),
    openai({ baseUrl: ${JSON.stringify(`${upstream}/v1`)}, apiKey: ${JSON.stringify(apiKey)}, maxSockets: 2048 }),
  ],
});
`;
}

/**
 * Start `node core --config <temp> --workers N` and wait until all N workers print their banner
 * ("Aurora http://127.0.0.1:<port>"; with port 0 every cluster worker gets the same port). Returns the
 * `{ url, stats, close }` shape of lib.mjs's startChild, `stats()` giving CPU only.
 */
export async function startCoreWorkers({ workers, upstream, apiKey, cwd, env }) {
  const dir = join(root, 'bench/.tmp');
  mkdirSync(dir, { recursive: true });
  const config = join(dir, `aurora.bench-${process.pid}-w${workers}.config.ts`);
  writeFileSync(config, configSource({ upstream, apiKey, authDir: join(cwd, `auth-w${workers}`) }));
  const child = spawn(process.execPath, [join(root, 'core'), '--config', config, '--workers', String(workers)], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let workerPids = [];
  try {
    const url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node core --workers ${workers} did not start within 30 s:\n${stderr}`)), 30_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        const urls = [...stderr.matchAll(/^Aurora (http:\/\/\S+)$/gm)].map((m) => m[1]);
        if (urls.length >= workers) {
          clearTimeout(timer);
          if (new Set(urls).size !== 1) reject(new Error(`workers listen on different addresses: ${urls.join(', ')}`));
          else resolve(urls[0]);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`node core --workers ${workers} exited with ${code} before listening:\n${stderr}`));
      });
    });
    workerPids = workers > 1 ? childrenOf(child.pid) : [];
    if (workers > 1 && workerPids.length !== workers) throw new Error(`expected ${workers} worker processes under ${child.pid}, found ${workerPids.length}`);
    const pids = [child.pid, ...workerPids];
    return {
      url,
      pid: child.pid,
      workerPids,
      stderr: () => stderr,
      async stats() {
        const us = pids.reduce((a, pid) => a + cpuOf(pid), 0);
        return { cpu: { user: us, system: 0 } };
      },
      async close() {
        if (child.exitCode !== null) return;
        const exited = once(child, 'exit');
        child.kill('SIGTERM'); // the primary passes it on to its workers, which drain and stop
        const timeout = sleep(15_000).then(() => 'timeout');
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          for (const pid of [...workerPids, child.pid]) {
            try {
              process.kill(pid, 'SIGKILL');
            } catch {
              // already gone
            }
          }
          await exited;
        }
      },
    };
  } catch (err) {
    const orphans = workerPids.length || child.exitCode !== null ? workerPids : childrenOf(child.pid);
    if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of orphans) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    throw err;
  } finally {
    rmSync(config, { force: true });
  }
}
