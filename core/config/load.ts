/**
 * Loading aurora.config.ts: esbuild bundles it (the user's relative files included, packages and
 * `aurora` kept external so there is one core), the bundle is written beside the config under a
 * fresh name, imported, and removed. Every failure names the config file and says what to do.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type Message, type Plugin as EsbuildPlugin } from 'esbuild';
import { StartupError } from '../errors.ts';
import type { AuroraConfig } from '../gateway.ts';

export const CONFIG_NAMES = ['aurora.config.ts', 'aurora.config.mts', 'aurora.config.js', 'aurora.config.mjs'];

export interface LoadedConfig {
  config: AuroraConfig;
  file: string;
  /** Every file bundled into the config (for --watch). */
  dependencies: string[];
}

/** `--config` / AURORA_CONFIG / aurora.config.* in `cwd`. */
export function findConfigFile(explicit: string | undefined, cwd = process.cwd()): string {
  if (explicit) {
    const file = resolve(cwd, explicit);
    if (!existsSync(file)) throw new StartupError('AURORA_ERR_CONFIG_NOT_FOUND', `Config file ${file} does not exist. Check the path given to --config or AURORA_CONFIG.`);
    return file;
  }
  for (const name of CONFIG_NAMES) {
    const file = join(cwd, name);
    if (existsSync(file)) return file;
  }
  throw new StartupError('AURORA_ERR_CONFIG_NOT_FOUND', `No aurora.config.ts in ${cwd}. Create one (see docs/configuration.md), or pass --config <file> or set AURORA_CONFIG.`);
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  const { code, dependencies } = await bundleConfig(file);
  // A new name every load: Node caches ES modules by URL, so a reused name would return the old config.
  const temp = join(dirname(file), `${basename(file)}.timestamp-${Date.now()}-${randomBytes(4).toString('hex')}.mjs`);
  await writeFile(temp, code);
  let mod: { default?: unknown };
  try {
    process.setSourceMapsEnabled(true);
    mod = await import(pathToFileURL(temp).href);
  } catch (err) {
    throw importError(file, temp, err);
  } finally {
    await rm(temp, { force: true });
  }
  const config = mod.default;
  if (typeof config !== 'object' || config === null) {
    throw new StartupError('AURORA_ERR_CONFIG_LOAD', `${file}: the config must export default an object: export default defineConfig({ plugins: [...] })`);
  }
  return { config: config as AuroraConfig, file, dependencies };
}

async function bundleConfig(file: string): Promise<{ code: string; dependencies: string[] }> {
  try {
    const result = await build({
      entryPoints: [file],
      outdir: dirname(file),
      write: false,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'inline',
      metafile: true,
      logLevel: 'silent',
      plugins: [externalizeCore()],
    });
    const dependencies = Object.keys(result.metafile.inputs).map((input) => resolve(input));
    return { code: result.outputFiles[0]!.text, dependencies };
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    if (!errors?.length) throw new StartupError('AURORA_ERR_CONFIG_LOAD', `${file}: ${(err as Error).message}`, { cause: err });
    const lines = errors.map((e) => {
      const where = e.location ? `${resolve(e.location.file)}:${e.location.line}:${e.location.column + 1}` : file;
      const hint = /Could not resolve "(\.[^"]*)"/.exec(e.text) ? ' (check the relative path and file name)' : '';
      return `${where}: ${e.text}${hint}${e.location?.lineText ? `\n    ${e.location.lineText.trim()}` : ''}`;
    });
    throw new StartupError('AURORA_ERR_CONFIG_LOAD', `Config ${file} could not be built:\n  ${lines.join('\n  ')}\nFix the error above and start again.`, { cause: err });
  }
}

/** Rewrite the runtime's messages about the temporary bundle so they point at the user's file. */
function importError(file: string, temp: string, err: unknown): StartupError {
  const e = err as NodeJS.ErrnoException;
  const missing = /Cannot find (?:package|module) '([^']+)'/.exec(e?.message ?? '');
  if (e?.code === 'ERR_MODULE_NOT_FOUND' && missing) {
    const name = missing[1]!;
    return new StartupError('AURORA_ERR_CONFIG_LOAD', `${file} imports "${name}", which is not installed. Run \`npm install ${name}\` in ${dirname(file)}, or fix the import.`, { cause: err });
  }
  const stack = (e?.stack ?? String(err)).split(temp).join(file);
  const at = stack.split('\n').find((line) => line.includes(file) || line.includes(basename(file)));
  return new StartupError('AURORA_ERR_CONFIG_LOAD', `${file}: evaluating the config threw: ${e?.message ?? err}${at ? `\n  ${at.trim()}` : ''}`, { cause: err });
}

/** The package's public entries other than plugins, and the file of each (without extension). */
const ENTRIES: Record<string, string> = {
  aurora: 'core/index',
  'aurora/node': 'core/node',
  'aurora/postgres': 'core/postgres/index',
  'aurora/testing': 'core/testing/index',
};
const ENTRY_OF_FILE = new Map(Object.entries(ENTRIES).map(([spec, file]) => [file, spec]));

/**
 * `aurora`, its other public entries, `aurora/plugins/<name>` — and relative imports of this
 * repository's own entry files — resolve to the running core's files and stay external, so the
 * config and the gateway share one instance of every module.
 */
function externalizeCore(): EsbuildPlugin {
  const root = packageRoot();
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = (sub: string) => (fromSource ? join(root, `${sub}.ts`) : join(root, 'dist', `${sub}.js`));
  const target = (spec: string): string | undefined => {
    if (ENTRIES[spec]) return entry(ENTRIES[spec]);
    const plugin = /^aurora\/plugins\/([\w-]+)$/.exec(spec);
    return plugin ? entry(`plugins/${plugin[1]}/index`) : undefined;
  };
  const specOf = (rel: string): string | undefined => {
    const file = rel === 'core' ? 'core/index' : rel;
    if (ENTRY_OF_FILE.has(file)) return ENTRY_OF_FILE.get(file);
    if (/^plugins\/[\w-]+\/index$/.test(rel)) return `aurora/${rel.replace(/\/index$/, '')}`;
    return /^plugins\/[\w-]+$/.test(rel) ? `aurora/${rel}` : undefined;
  };
  return {
    name: 'aurora-external-core',
    setup(b) {
      b.onResolve({ filter: /^aurora(\/.*)?$/ }, (args) => {
        const path = target(args.path);
        return path ? { path: pathToFileURL(path).href, external: true } : undefined;
      });
      b.onResolve({ filter: /^\./ }, (args) => {
        const abs = resolve(args.resolveDir, args.path).replace(/\.(ts|js)$/, '');
        const spec = specOf(relative(root, abs).replaceAll('\\', '/'));
        const path = spec ? target(spec) : undefined;
        return path ? { path: pathToFileURL(path).href, external: true } : undefined;
      });
    },
  };
}

/** The folder holding aurora's package.json, from this module's own location (source or dist). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'core'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('aurora: cannot find the package root');
    dir = parent;
  }
  return dir;
}
