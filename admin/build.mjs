// Bundles the audit dashboard (Preact + uPlot) into static files: index.html and hashed assets.
// Called by scripts/build.mjs at `npm install` time and by the dashboard's browser test.
// Plain .mjs so the build script can import it before anything is compiled.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));

/** URL prefix the assets are served under (see plugins/audit/dashboard.ts). */
export const ASSETS_URL = '/admin/dashboard/assets/';

/**
 * @param {{ outdir: string, minify?: boolean, sourcemap?: boolean }} options
 * @returns {Promise<{ outdir: string, files: string[] }>}
 */
export async function buildDashboard({ outdir, minify = true, sourcemap = false }) {
  const out = resolve(outdir);
  const assets = join(out, 'assets');
  // Hashed names change on each content change: drop the old ones rather than pile them up.
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const result = await build({
    entryPoints: { app: join(here, 'dashboard/main.ts'), styles: join(here, 'dashboard/styles.css') },
    outdir: assets,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome111', 'firefox111', 'safari16.4'],
    // Content-hashed names let the server cache assets forever; index.html is never cached.
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    minify,
    sourcemap: sourcemap ? 'linked' : false,
    legalComments: 'none',
    metafile: true,
    absWorkingDir: join(here, '..'),
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const outputs = Object.keys(result.metafile.outputs).map((f) => resolve(join(here, '..'), f));
  const pick = (name, ext) => {
    const file = outputs.find((f) => basename(f).startsWith(`${name}-`) && f.endsWith(ext));
    if (!file) throw new Error(`dashboard build: no ${name}${ext} in the esbuild output`);
    return basename(file);
  };
  const html = (await readFile(join(here, 'index.html'), 'utf8'))
    .replace('%SCRIPT%', ASSETS_URL + pick('app', '.js'))
    .replace('%STYLE%', ASSETS_URL + pick('styles', '.css'));
  await writeFile(join(out, 'index.html'), html);
  return { outdir: out, files: ['index.html', ...outputs.map((f) => `assets/${basename(f)}`)] };
}
