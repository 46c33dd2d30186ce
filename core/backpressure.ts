/** Waiting out a slow client instead of buffering for it. */
import type { ServerResponse } from 'node:http';

/** Resolves when `res` can take more (or the client is gone). */
export function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.on('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
