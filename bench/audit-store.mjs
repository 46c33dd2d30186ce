// Audit store benchmark: audit-store/lowdb.ts (`benchAuditStore(sizes)`) measures the
// default (lowdb) store at growing sizes. dist/ holds only the plugin entry, so, as translator.mjs
// does for the DeepSeek translator, the benchmark is bundled by esbuild into bench/.tmp at run time
// (`aurora` aliased to ./core/index.ts; packages such as lowdb stay external and resolve from
// bench/.tmp through the project's node_modules). It runs in a child process with --expose-gc, on an
// event loop and heap of its own; the bundle is deleted once the child has exited.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleTs, root } from './bundle.mjs';

/** Bundle bench/audit-store/lowdb.ts with a small entry that prints the results as one JSON line. */
function bundle(outfile) {
  const entry = [
    "import { benchAuditStore } from './bench/audit-store/lowdb.ts';",
    'const sizes = process.argv.slice(2).map(Number);',
    'process.stdout.write(JSON.stringify(await benchAuditStore(sizes)) + "\\n");',
  ].join('\n');
  return bundleTs(outfile, entry, { alias: { aurora: './core/index.ts' }, sourcefile: 'audit-bench-entry.ts' });
}

/**
 * BenchResult[] of bench/audit-store/lowdb.ts, one per size: appendPerSec, startupMs, queryMs,
 * filteredQueryMs, textSearchMs, fullScanMs, fullScanWarmMs, getMs, getColdMs, statsMs, diskMB, heapMB.
 */
export async function benchAuditStore({ sizes = [1000, 10000, 100000], env = process.env } = {}) {
  const outfile = join(root, 'bench/.tmp', `audit-bench-${process.pid}.mjs`);
  try {
    await bundle(outfile);
    const child = spawn(process.execPath, ['--expose-gc', outfile, ...sizes.map(String)], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const [code] = await once(child, 'exit');
    if (code !== 0) throw new Error(`audit store bench exited with ${code}:\n${stderr}`);
    const results = JSON.parse(stdout.trim().split('\n').pop());
    // The store's own warnings (e.g. a failed write) would make the figures meaningless: pass them on.
    return { results, warnings: stderr.trim() };
  } finally {
    rmSync(outfile, { force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  console.log(JSON.stringify(await benchAuditStore(sizes.length ? { sizes } : {}), null, 2));
}
