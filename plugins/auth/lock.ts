/**
 * Cross-process mutual exclusion for the key file: an O_EXCL lock file beside it. Needed because the
 * CLI and a running gateway both write `keys.json`, and steno (lowdb's writer) uses one fixed temp
 * name, so two overlapping writers could also clobber each other's temp file.
 */
import { open, rm, stat } from 'node:fs/promises';

const LOCK_TIMEOUT_MS = 5_000;
// A writer holds the lock for milliseconds; one older than this belongs to a process that died.
const LOCK_STALE_MS = 10_000;

/** Run `task` holding `lockFile`; waits up to 5 s for another holder, takes over a lock older than 10 s. */
export async function withFileLock<T>(lockFile: string, task: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + LOCK_TIMEOUT_MS;
  for (;;) {
    try {
      const handle = await open(lockFile, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const held = await stat(lockFile).catch(() => undefined);
      if (held && Date.now() - held.mtimeMs > LOCK_STALE_MS) {
        await rm(lockFile, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${lockFile} has been held for over ${LOCK_TIMEOUT_MS / 1000} s; if no Aurora process is writing keys, delete it`);
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
  try {
    return await task();
  } finally {
    await rm(lockFile, { force: true });
  }
}
