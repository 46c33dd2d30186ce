// Reads a V8 .cpuprofile (written by `node --cpu-prof`) and says where the time went: top functions
// by self time, time per owner (Aurora's own code, each package, node internals, GC), and Aurora
// functions by inclusive time. Frames in dist/ are mapped back to core/ and plugins/ sources through
// dist's source maps.  Usage: node bench/profile.mjs <file.cpuprofile> [top]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const maps = new Map();
function sourceMapFor(url) {
  if (!maps.has(url)) {
    let map = null;
    try {
      const file = fileURLToPath(url);
      if (existsSync(`${file}.map`)) map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = null;
    }
    maps.set(url, map);
  }
  return maps.get(url);
}

/** Where a frame lives: { owner, where } with dist frames mapped to their TypeScript source. */
function locate(callFrame) {
  const { url, lineNumber, columnNumber, functionName } = callFrame;
  if (!url) return { owner: functionName.startsWith('(') ? functionName : 'V8/native', where: '' };
  // node:internal/webstreams/readablestream → node:internal/webstreams: the subsystem, not the file.
  if (url.startsWith('node:')) return { owner: url.split('/').slice(0, url.startsWith('node:internal/') ? 2 : 1).join('/'), where: `${url}:${lineNumber + 1}` };
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return { owner: pkg[1], where: `${url.slice(url.lastIndexOf('node_modules/') + 13)}:${lineNumber + 1}` };
  if (url.includes('/dist/')) {
    const entry = sourceMapFor(url)?.findEntry(lineNumber, columnNumber);
    if (entry?.originalSource) {
      const source = entry.originalSource.replace(/^.*?\/((?:core|plugins|examples)\/)/, '$1');
      const owner = source.startsWith('examples/') ? 'emulator' : `aurora ${source.split('/').slice(0, source.startsWith('plugins/') ? 2 : 1).join('/')}`;
      return { owner, where: `${source}:${entry.originalLine + 1}` };
    }
    return { owner: 'aurora', where: `${url.slice(url.indexOf('/dist/') + 1)}:${lineNumber + 1}` };
  }
  if (url.includes('/bench/')) return { owner: 'bench harness', where: `${url.slice(url.indexOf('/bench/') + 1)}:${lineNumber + 1}` };
  return { owner: 'other', where: `${url}:${lineNumber + 1}` };
}

export function summarizeProfile(file, top = 20) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map();
  const parent = new Map();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const info = new Map();
  const infoOf = (id) => {
    if (!info.has(id)) {
      const node = byId.get(id);
      const { owner, where } = locate(node.callFrame);
      const name = node.callFrame.functionName || '(anonymous)';
      info.set(id, { owner, where, name, key: `${name} ${where}` });
    }
    return info.get(id);
  };

  const self = new Map();
  const owners = new Map();
  const inclusive = new Map();
  const ownersInclusive = new Map();
  let total = 0;
  let idle = 0;
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    // A sample lasts until the next one (DevTools' convention).
    const us = timeDeltas[i + 1] ?? 0;
    const leaf = infoOf(samples[i]);
    total += us;
    if (leaf.name === '(idle)') {
      idle += us;
      continue;
    }
    const s = self.get(leaf.key) ?? { ...leaf, us: 0 };
    s.us += us;
    self.set(leaf.key, s);
    owners.set(leaf.owner, (owners.get(leaf.owner) ?? 0) + us);
    // Inclusive time of Aurora's own functions: each counted once per sample however deep the recursion.
    const seen = new Set();
    const seenOwners = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const f = infoOf(id);
      if (!seenOwners.has(f.owner)) {
        seenOwners.add(f.owner);
        ownersInclusive.set(f.owner, (ownersInclusive.get(f.owner) ?? 0) + us);
      }
      if (!f.owner.startsWith('aurora') || seen.has(f.key)) continue;
      seen.add(f.key);
      const inc = inclusive.get(f.key) ?? { ...f, us: 0 };
      inc.us += us;
      inclusive.set(f.key, inc);
    }
  }
  const busy = total - idle;
  const pct = (us) => (100 * us) / busy;
  const sorted = (m) => [...m.values()].sort((a, b) => b.us - a.us);
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    idlePct: (100 * idle) / total,
    self: sorted(self).slice(0, top).map((f) => ({ ...f, ms: f.us / 1000, pct: pct(f.us) })),
    owners: [...owners].sort((a, b) => b[1] - a[1]).map(([owner, us]) => ({ owner, ms: us / 1000, pct: pct(us), inclPct: pct(ownersInclusive.get(owner) ?? 0) })),
    auroraInclusive: sorted(inclusive).slice(0, top).map((f) => ({ ...f, ms: f.us / 1000, pct: pct(f.us) })),
  };
}

export function printProfile(summary, print = console.log) {
  print(`Profile: ${summary.busyMs.toFixed(0)} ms busy of ${summary.totalMs.toFixed(0)} ms sampled (${summary.idlePct.toFixed(0)}% idle); percentages are of busy time.\n`);
  print('Top functions by self time\n');
  print('| # | function | where | owner | self ms | % busy |\n|---:|---|---|---|---:|---:|');
  summary.self.forEach((f, i) => print(`| ${i + 1} | \`${f.name}\` | ${f.where || '–'} | ${f.owner} | ${f.ms.toFixed(1)} | ${f.pct.toFixed(1)} |`));
  print('\nTime by owner (self; inclusive = samples with that owner anywhere on the stack)\n');
  print('| owner | self ms | self % busy | inclusive % busy |\n|---|---:|---:|---:|');
  for (const o of summary.owners.slice(0, 18)) print(`| ${o.owner} | ${o.ms.toFixed(1)} | ${o.pct.toFixed(1)} | ${o.inclPct.toFixed(1)} |`);
  print('\nAurora functions by inclusive time (callees included)\n');
  print('| function | where | incl. ms | % busy |\n|---|---|---:|---:|');
  for (const f of summary.auroraInclusive.slice(0, 12)) print(`| \`${f.name}\` | ${f.where} | ${f.ms.toFixed(1)} | ${f.pct.toFixed(1)} |`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (!process.argv[2]) {
    console.error('usage: node bench/profile.mjs <file.cpuprofile> [top]');
    process.exit(2);
  }
  printProfile(summarizeProfile(process.argv[2], Number(process.argv[3] ?? 20)));
}
