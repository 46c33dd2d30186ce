import type { IncomingMessage, ServerResponse } from 'node:http';
import { once } from 'node:events';

// One request/response pair. It remembers whether the mock itself cut the connection,
// because only closes caused by the client count as aborts for nextClientAbort().
export class Exchange {
  closedByServer = false;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {}

  /** The client is gone or the response is over: stop writing. */
  get gone(): boolean {
    return this.res.destroyed || this.res.closed;
  }

  /** Abrupt end: no chunked terminator, no content-length completion. */
  destroy(): void {
    this.closedByServer = true;
    this.res.socket?.destroy();
    this.res.destroy();
  }

  /** Resolves when the connection closes, whoever closes it. */
  async closed(): Promise<void> {
    if (this.res.closed) return;
    await once(this.res, 'close');
  }

  /** Resolves once `chunk` is handed to the kernel, or the connection is gone. */
  write(chunk: string | Buffer): Promise<void> {
    if (this.gone) return Promise.resolve();
    return new Promise((resolve) => {
      const onClose = () => resolve();
      this.res.once('close', onClose);
      this.res.write(chunk, () => {
        this.res.off('close', onClose);
        resolve();
      });
    });
  }
}
