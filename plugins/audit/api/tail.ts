/**
 * The live tail: every record is published here as the plugin takes it (before it reaches disk) and
 * sent to each subscriber as `event: record`. A `: ping` comment every 15 s keeps proxies from
 * closing an idle stream. A subscriber that stops reading is dropped rather than buffered without end.
 */
import { formatSseEvent } from 'aurora';
import { compileFilters, type SummaryMatcher } from '../store/filters.ts';
import type { AuditFilters, AuditSummary } from '../store/audit-store.ts';

const encoder = new TextEncoder();
const PING = encoder.encode(': ping\n\n');
/** Events queued for one slow subscriber before it is dropped. */
const MAX_QUEUED = 1000;

export interface TailHub {
  publish(summary: AuditSummary, searchText: () => string): void;
  /** An SSE body of the records that match `filters`, until `signal` aborts or the hub closes. */
  subscribe(filters: AuditFilters, signal: AbortSignal): ReadableStream<Uint8Array>;
  /** Ends every stream. */
  close(): void;
  readonly subscribers: number;
}

interface Subscriber {
  controller: ReadableStreamDefaultController<Uint8Array>;
  match: SummaryMatcher;
  end(): void;
}

export function createTailHub(options: { pingMs?: number } = {}): TailHub {
  const subscribers = new Set<Subscriber>();
  let ping: NodeJS.Timeout | undefined;
  let closed = false;

  const send = (sub: Subscriber, chunk: Uint8Array) => {
    if ((sub.controller.desiredSize ?? 1) <= 0) {
      sub.controller.enqueue(encoder.encode(': dropped: the client read too slowly; reconnect\n\n'));
      return sub.end();
    }
    sub.controller.enqueue(chunk);
  };

  return {
    get subscribers() {
      return subscribers.size;
    },
    publish(summary, searchText) {
      if (!subscribers.size) return;
      let chunk: Uint8Array | undefined;
      for (const sub of subscribers) {
        if (!sub.match(summary, searchText)) continue;
        chunk ??= encoder.encode(formatSseEvent({ event: 'record', data: JSON.stringify(summary) }));
        send(sub, chunk);
      }
    },
    subscribe(filters, signal) {
      const match = compileFilters(filters);
      let sub: Subscriber | undefined;
      return new ReadableStream<Uint8Array>(
        {
          start(controller) {
            const end = () => {
              if (!subscribers.delete(sub!)) return;
              signal.removeEventListener('abort', end);
              if (!subscribers.size) {
                clearInterval(ping);
                ping = undefined;
              }
              try {
                controller.close();
              } catch {
                // already closed or cancelled by the reader
              }
            };
            sub = { controller, match, end };
            if (closed || signal.aborted) return controller.close();
            subscribers.add(sub);
            signal.addEventListener('abort', end, { once: true });
            // A first line at once, so the client knows the stream is open before any record comes.
            controller.enqueue(encoder.encode(': connected\n\n'));
            if (!ping) {
              ping = setInterval(() => {
                for (const s of subscribers) send(s, PING);
              }, options.pingMs ?? 15_000);
              ping.unref();
            }
          },
          cancel() {
            sub?.end();
          },
        },
        { highWaterMark: MAX_QUEUED },
      );
    },
    close() {
      closed = true;
      for (const sub of [...subscribers]) sub.end();
    },
  };
}
