// Builds what `node core` runs: every public entry (core, testing, each plugin) in one esbuild pass
// with code splitting, so shared modules exist once and the config, plugins and core share them.
import { readdirSync, existsSync, rmSync } from 'node:fs';
import { build } from 'esbuild';
import { buildDashboard } from '../admin/build.mjs';

const plugins = readdirSync('plugins', { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(`plugins/${d.name}/index.ts`))
  .map((d) => `plugins/${d.name}/index.ts`);
const entryPoints = ['core/index.ts', 'core/node.ts', 'core/postgres/index.ts', 'core/main.ts', 'core/testing/index.ts', ...plugins].filter((f) => existsSync(f));

rmSync('dist', { recursive: true, force: true });
await build({
  entryPoints,
  outdir: 'dist',
  outbase: '.',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Packages stay external; `aurora` is this package, so its self-imports resolve to these very files.
  packages: 'external',
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
await buildDashboard({ outdir: 'dist/admin/dashboard' });
console.log(`aurora: built ${entryPoints.length} entries and the dashboard into dist/`);
