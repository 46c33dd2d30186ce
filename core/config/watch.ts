/**
 * `--watch`: rebuild the config when it or any file it bundled changes. The new gateway is built
 * (validated, every plugin set up) before the old one is touched; if anything fails, the old one
 * keeps serving and the error is printed as `file:line:col: message` (or the invalid options).
 */
import { watch, type FSWatcher } from 'node:fs';
import type { AuroraConfig } from '../gateway.ts';
import type { Logger } from '../logger.ts';
import { loadConfig } from './load.ts';

export function watchConfig(file: string, dependencies: string[], log: Logger, swap: (config: AuroraConfig) => Promise<void>): () => void {
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const watchFiles = (files: string[]) => {
    for (const w of watchers) w.close();
    // Editors often replace a file (rename) rather than write it: re-arm on every reload.
    watchers = files.map((f) => watch(f, () => schedule()));
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => (running = running.then(reload)), 100);
  };
  const reload = async () => {
    if (closed) return;
    try {
      const loaded = await loadConfig(file);
      watchFiles(loaded.dependencies);
      // createGateway validates the config (naming this file) before anything is swapped.
      await swap(loaded.config);
    } catch (err) {
      log.error(`config reload failed; still serving the previous config:\n${(err as Error).message}`, { config: file });
    }
  };

  watchFiles(dependencies);
  log.info('watching the config for changes', { config: file });
  return () => {
    closed = true;
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
