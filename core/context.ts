/** The per-request context: created by the server, filled in as the pipeline runs. */
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger.ts';
import type { Endpoint, JsonObject, Principal, RequestContext, Route } from './types.ts';

/** The core's writable view of a context; plugins see the readonly `RequestContext`. */
export interface MutableContext extends RequestContext {
  endpoint: Endpoint | null;
  body: JsonObject | undefined;
  stream: boolean;
  principal: Principal | undefined;
  route: Route | undefined;
}

export function createContext(init: {
  method: string;
  path: string;
  headers: Headers;
  signal: AbortSignal;
  log: Logger;
  endpoint: Endpoint | null;
  id?: string;
}): MutableContext {
  const id = init.id ?? `req_${randomUUID().replaceAll('-', '')}`;
  let log: Logger | undefined;
  return {
    id,
    // The per-request child logger is made on first use: most requests never log through it.
    get log() {
      return (log ??= init.log.child({ requestId: id }));
    },
    endpoint: init.endpoint,
    method: init.method,
    path: init.path,
    headers: init.headers,
    signal: init.signal,
    startedAt: performance.now(),
    body: undefined,
    stream: false,
    principal: undefined,
    route: undefined,
    annotations: {},
  };
}
