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

interface ContextInit {
  method: string;
  path: string;
  headers: Headers;
  connection: ClientConnection;
  log: Logger;
  endpoint: Endpoint | null;
  node?: { req: IncomingMessage; res: ServerResponse };
  id?: string;
}

/**
 * A class, not an object literal: a literal with getters is built the slow way and measured ~5 µs
 * per request in the bench profile; instances of a class share one shape and their getters.
 */
class Context implements MutableContext {
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Headers;
  readonly connection: ClientConnection;
  readonly startedAt = performance.now();
  readonly annotations: Record<string, unknown> = {};
  endpoint: Endpoint | null;
  body: JsonObject | undefined = undefined;
  stream = false;
  principal: Principal | undefined = undefined;
  route: Route | undefined = undefined;
  readonly [NODE]: { req: IncomingMessage; res: ServerResponse } | undefined;
  #parentLog: Logger;
  #log: Logger | undefined;

  constructor(init: ContextInit) {
    this.id = init.id ?? `req_${randomUUID().replaceAll('-', '')}`;
    this.method = init.method;
    this.path = init.path;
    this.headers = init.headers;
    this.connection = init.connection;
    this.endpoint = init.endpoint;
    this[NODE] = init.node;
    this.#parentLog = init.log;
  }

  /** The per-request child logger, made on first use: most requests never log through it. */
  get log(): Logger {
    return (this.#log ??= this.#parentLog.child({ requestId: this.id }));
  }

  get signal(): AbortSignal {
    return this.connection.signal;
  }
}

export function createContext(init: ContextInit): MutableContext {
  return new Context(init);
}

/** The raw node objects of a request, for a `forward` that needs the socket (http-proxy-3). */
export function nodeRequestOf(ctx: object): { req: IncomingMessage; res: ServerResponse } | undefined {
  return (ctx as Partial<MutableContext>)[NODE];
}
