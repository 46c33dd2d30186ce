/** The per-request context: created by the server, filled in as the pipeline runs. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.ts';
import type { Endpoint, JsonObject, Principal, RequestContext, Route } from './types.ts';

/**
 * The client's side of a request: whether it is still there. The AbortSignal plugins see is made
 * only when one asks for it; the core itself checks `closed` and a single close callback, which
 * spares every passthrough request an AbortController and its event-target listeners.
 */
export class ClientConnection {
  closed = false;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #onClose: (() => void) | undefined;

  /** `also`: a second reason to abort the signal (the gateway closing, for endless plugin routes). */
  constructor(private readonly also?: AbortSignal) {}

  get signal(): AbortSignal {
    if (!this.#signal) {
      this.#controller = new AbortController();
      if (this.closed) this.#controller.abort(new Error('client closed the connection'));
      this.#signal = this.also ? AbortSignal.any([this.#controller.signal, this.also]) : this.#controller.signal;
    }
    return this.#signal;
  }

  /** The client went away before its answer was complete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.#controller?.abort(new Error('client closed the connection'));
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.();
  }

  /** The writer's one callback for a close (replaces any earlier one); undefined clears it. */
  onClose(fn: (() => void) | undefined): void {
    this.#onClose = fn;
  }
}

const NODE = Symbol('aurora.node');

/** The core's writable view of a context; plugins see the readonly `RequestContext`. */
export interface MutableContext extends RequestContext {
  endpoint: Endpoint | null;
  body: JsonObject | undefined;
  stream: boolean;
  principal: Principal | undefined;
  route: Route | undefined;
  readonly connection: ClientConnection;
  readonly [NODE]: { req: IncomingMessage; res: ServerResponse } | undefined;
}

export function createContext(init: {
  method: string;
  path: string;
  headers: Headers;
  connection: ClientConnection;
  log: Logger;
  endpoint: Endpoint | null;
  node?: { req: IncomingMessage; res: ServerResponse };
  id?: string;
}): MutableContext {
  const id = init.id ?? `req_${randomUUID().replaceAll('-', '')}`;
  let log: Logger | undefined;
  const connection = init.connection;
  return {
    id,
    // The per-request child logger is made on first use: most requests never log through it.
    get log() {
      return (log ??= init.log.child({ requestId: id }));
    },
    get signal() {
      return connection.signal;
    },
    connection,
    endpoint: init.endpoint,
    method: init.method,
    path: init.path,
    headers: init.headers,
    startedAt: performance.now(),
    body: undefined,
    stream: false,
    principal: undefined,
    route: undefined,
    annotations: {},
    [NODE]: init.node,
  };
}

/** The raw node objects of a request, for a `forward` that needs the socket (http-proxy-3). */
export function nodeRequestOf(ctx: object): { req: IncomingMessage; res: ServerResponse } | undefined {
  return (ctx as Partial<MutableContext>)[NODE];
}
