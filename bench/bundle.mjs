// dist/ holds only the public entries, so benchmarks of inner modules (the DeepSeek stream
// translator, the audit store) bundle them from source with esbuild into bench/.tmp at run time.
// Packages stay external and resolve through the project's node_modules.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundle the TypeScript `contents` (imports relative to the project root) into `outfile`. */
export async function bundleTs(outfile, contents, { alias, sourcefile } = {}) {
  mkdirSync(dirname(outfile), { recursive: true });
  await build({
    stdin: { contents, resolveDir: root, loader: 'ts', sourcefile },
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    alias,
    logLevel: 'warning',
  });
}
