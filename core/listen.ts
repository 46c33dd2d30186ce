/**
 * Binding a port: the one way the gateway listens, whether through `gateway.listen()` or
 * `node core` (which keeps one server across `--watch` reloads). A gateway that must stay on
 * loopback (no master key) is bound there whatever host was asked for, with a warning.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHostname } from './callers.ts';
import type { Logger } from './logger.ts';
import { createHttpServer } from './server.ts';

export interface ListenOptions {
  host: string;
  port: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Why only loopback may be bound, if so. */
  loopbackOnly: string | undefined;
  log: Logger;
}

export interface Listening {
  url: string;
  host: string;
  port: number;
  /** Stop accepting idle keep-alive connections' next requests (in-flight ones go on). */
  closeIdle(): void;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

export async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, options: ListenOptions): Promise<Listening> {
  const server: Server = createHttpServer(handler, options);
  let host = options.host;
  if (options.loopbackOnly && !isLoopbackHostname(host)) {
    options.log.warn(`refusing to listen on ${host}: ${options.loopbackOnly}; listening on 127.0.0.1 only`);
    host = '127.0.0.1';
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    host,
    port,
    closeIdle: () => server.closeIdleConnections(),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
