/** The per-request context: created by the server, filled in as the pipeline runs. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from './logger.ts';
import type { Endpoint, JsonObject, Principal, RequestContext, Route, Target } from './types.ts';

/**
 * The client's side of a request: whether it is still there, or whether the gateway ended it
 * (a cut at shutdown). The AbortSignal plugins see is made only when one asks for it; the core
 * itself checks `closed` and a single end callback, which spares every passthrough request an
 * AbortController and its event-target listeners.
 */
export class ClientConnection {
  closed = false;
  /** Set when the gateway cut the request (shutdown): the client is still there and gets this error. */
  cutError: Error | undefined;
  #controller: AbortController | undefined;
  #signal: AbortSignal | undefined;
  #onEnd: ((reason?: Error) => void) | undefined;
  #attempt: AbortController | undefined;

  /** `also`: a second reason to abort the signal (the gateway closing, for endless plugin routes). */
  constructor(private readonly also?: AbortSignal) {}

  get signal(): AbortSignal {
    if (!this.#signal) {
      this.#controller = new AbortController();
      if (this.closed) this.#controller.abort(new Error('client closed the connection'));
      else if (this.cutError) this.#controller.abort(this.cutError);
      this.#signal = this.also ? AbortSignal.any([this.#controller.signal, this.also]) : this.#controller.signal;
    }
    return this.#signal;
  }

  /**
   * A controller for one upstream attempt the router bounds in time: aborted by its owner (the
   * attempt timed out), or with the connection's own signal when the client leaves or the request
   * is cut. One controller, where `AbortSignal.any` would make two and link them on every attempt.
   */
  beginAttempt(): AbortController {
    const controller = new AbortController();
    if (this.closed) controller.abort(new Error('client closed the connection'));
    else if (this.cutError) controller.abort(this.cutError);
    this.#attempt = controller;
    return controller;
  }

  endAttempt(): void {
    this.#attempt = undefined;
  }

  /** The client went away before its answer was complete. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = new Error('client closed the connection');
    this.#controller?.abort(reason);
    this.#attempt?.abort(reason);
    this.#end(undefined);
  }

  /** The gateway ends the request with `reason` (the client, still connected, is told why). */
  cut(reason: Error): void {
    if (this.closed || this.cutError) return;
    this.cutError = reason;
    this.#controller?.abort(reason);
    this.#attempt?.abort(reason);
    this.#end(reason);
  }

  /**
   * The one callback for the end of the request, held by whoever waits on the upstream now (the
   * pipeline while it forwards, then the writer); replaces any earlier one, undefined clears it.
   * Called with the reason for a cut, without one when the client left.
   */
  onEnd(fn: ((reason?: Error) => void) | undefined): void {
    this.#onEnd = fn;
  }

  #end(reason: Error | undefined): void {
    const onEnd = this.#onEnd;
    this.#onEnd = undefined;
    onEnd?.(reason);
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
  target: Target | undefined;
  /** Set for an attempt the router bounds in time: `signal` is then this one (it also follows the client). */
  attemptSignal: AbortSignal | undefined;
  /** For the rest of the OpenAI API: the path (and query) to send, relative to the provider's base URL. */
  readonly upstreamPath: string | undefined;
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
  upstreamPath?: string;
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
  readonly clientApi: Endpoint | null;
  endpoint: Endpoint | null;
  body: JsonObject | undefined = undefined;
  stream = false;
  principal: Principal | undefined = undefined;
  route: Route | undefined = undefined;
  target: Target | undefined = undefined;
  attemptSignal: AbortSignal | undefined = undefined;
  readonly upstreamPath: string | undefined;
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
    this.clientApi = init.endpoint;
    this.upstreamPath = init.upstreamPath;
    this[NODE] = init.node;
    this.#parentLog = init.log;
  }

  /** The per-request child logger, made on first use: most requests never log through it. */
  get log(): Logger {
    return (this.#log ??= this.#parentLog.child({ requestId: this.id }));
  }

  get signal(): AbortSignal {
    return this.attemptSignal ?? this.connection.signal;
  }
}

export function createContext(init: ContextInit): MutableContext {
  return new Context(init);
}

/** The raw node objects of a request, for a `forward` that needs the socket (http-proxy-3). */
export function nodeRequestOf(ctx: object): { req: IncomingMessage; res: ServerResponse } | undefined {
  return (ctx as Partial<MutableContext>)[NODE];
}

/**
 * The signal of an attempt the router bounds in time (it gives up after `attemptTimeoutMs`), or
 * `undefined` when the attempt may take as long as the provider allows. For a `forward` that ties
 * its call to the client's socket (http-proxy-3) and so need not make `ctx.signal` on every request.
 */
export function attemptSignalOf(ctx: object): AbortSignal | undefined {
  return (ctx as Partial<MutableContext>).attemptSignal;
}
