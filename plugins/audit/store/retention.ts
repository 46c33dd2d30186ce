/** Retention: delete records older than `retentionDays`, once at start and then on an unref'd timer. */
import type { Logger } from 'aurora';
import type { AuditStore } from './audit-store.ts';

export const RETENTION_INTERVAL_MS = 3_600_000;

export interface RetentionOptions {
  retentionDays: number;
  /** Default one hour. */
  intervalMs?: number;
  /** Default Date.now (tests move the clock). */
  now?: () => number;
  log: Logger;
}

export interface Retention {
  stop(): void;
}

/** Runs the first pass before resolving, so a gateway never serves records already past retention. */
export async function startRetention(store: AuditStore, options: RetentionOptions): Promise<Retention> {
  const now = options.now ?? Date.now;
  const maxAgeMs = options.retentionDays * 86_400_000;
  let running: Promise<void> | undefined;
  const sweep = async () => {
    const removed = await store.deleteOlderThan(now() - maxAgeMs);
    if (removed) options.log.info('audit: retention removed old records', { removed, retentionDays: options.retentionDays });
  };
  await sweep();
  const timer = setInterval(() => {
    // A slow sweep is not stacked under the next one.
    running ??= sweep()
      .catch((err) => options.log.error('audit: retention sweep failed', { err }))
      .finally(() => (running = undefined));
  }, options.intervalMs ?? RETENTION_INTERVAL_MS);
  // Retention alone must not keep a process alive.
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
