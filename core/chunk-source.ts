/**
 * One way to read an upstream body chunk by chunk, whether it is a node stream (node:http,
 * http-proxy-3) or a web stream (a plugin's own forward), with an idle limit. The lazy event stream
 * reads through it: converting a node body to a web stream and timing it with a TransformStream
 * cost two stream stages per chunk and made their objects on every request (bench profile).
 */
import type { Readable } from 'node:stream';

export interface ChunkSource {
  /** The next chunk; null at the end. Rejects on an upstream failure or the idle limit. */
  next(): Promise<Uint8Array | null>;
  /**
   * Stop reading and release the upstream (the client went away, or a reader cancelled). With an
   * Error as `reason`, a read still waiting (and every later one) rejects with it.
   */
  cancel(reason?: unknown): void;
}

export interface IdleLimit {
  ms: number;
  error: () => Error;
}

export function chunkSource(body: Readable | ReadableStream<Uint8Array>, idle?: IdleLimit): ChunkSource {
  const source = 'getReader' in body ? webChunks(body) : nodeChunks(body);
  return idle ? withIdleLimit(source, idle) : source;
}

function nodeChunks(node: Readable): ChunkSource {
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  node.on('readable', notify);
  node.once('end', () => {
    ended = true;
    notify();
  });
  node.once('error', (err) => {
    failure = err;
    notify();
  });
  // A socket that dies mid-body may close without 'end' or 'error'.
  node.once('close', () => {
    if (!ended) failure ??= new Error('upstream closed the connection before the response finished');
    notify();
  });
  return {
    async next() {
      for (;;) {
        // read() hands over everything buffered at once: fewer, larger chunks to parse.
        const chunk = node.read() as Buffer | null;
        if (chunk !== null) return chunk;
        if (failure) throw failure;
        if (ended || node.readableEnded) return null;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    cancel(reason) {
      node.destroy(reason instanceof Error ? reason : undefined);
    },
  };
}

function webChunks(body: ReadableStream<Uint8Array>): ChunkSource {
  const reader = body.getReader();
  let failure: Error | undefined;
  return {
    async next() {
      if (failure) throw failure;
      const r = await reader.read();
      if (failure) throw failure;
      return r.done ? null : r.value;
    },
    cancel(reason) {
      if (reason instanceof Error) failure ??= reason;
      reader.cancel(reason).catch(() => {});
    },
  };
}

/** Fail a read that waits longer than `idle.ms`, and release the upstream then. */
function withIdleLimit(source: ChunkSource, idle: IdleLimit): ChunkSource {
  return {
    next() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const err = idle.error();
          source.cancel(err);
          reject(err);
        }, idle.ms);
        source.next().then(
          (chunk) => {
            clearTimeout(timer);
            resolve(chunk);
          },
          (err) => {
            clearTimeout(timer);
            reject(err);
          },
        );
      });
    },
    cancel: (reason) => source.cancel(reason),
  };
}
