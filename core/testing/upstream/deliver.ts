import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultReply } from './types.ts';
import type { Exchange } from './exchange.ts';
import { MALFORMED_FRAME, type StreamPlan } from './sse.ts';

// Writes a planned answer to the wire and injects the scripted fault on the way.
// hang-before-headers never gets here: it needs no answer at all.

export type BodyFault = Exclude<FaultReply, { fault: 'hang-before-headers' }>;

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
};

export async function deliverStream(ex: Exchange, plan: StreamPlan, delayMs: number, fault?: BodyFault, headers: Record<string, string> = {}): Promise<void> {
  ex.res.writeHead(200, { ...SSE_HEADERS, ...headers });
  // Headers go out before the first event so clients can measure time-to-headers.
  ex.res.flushHeaders();
  if (plan.preamble) await ex.write(plan.preamble);

  const stopAt = fault && fault.fault !== 'malformed-sse' ? Math.max(0, fault.events) : plan.events.length;
  const garbageAt = fault?.fault === 'malformed-sse' ? Math.max(0, fault.after ?? 1) : -1;

  for (let i = 0; i < Math.min(stopAt, plan.events.length); i++) {
    if (i > 0 && delayMs > 0) await sleep(delayMs);
    if (ex.gone) return;
    if (i === garbageAt && (await writeGarbage(ex, fault))) return;
    await ex.write(plan.events[i]!);
  }
  if (garbageAt >= plan.events.length && (await writeGarbage(ex, fault))) return;
  await finish(ex, fault);
}

/** Non-stream answers: a fault cuts or corrupts the JSON body instead of an event stream. */
export async function deliverJson(ex: Exchange, body: unknown, fault?: BodyFault, headers: Record<string, string> = {}): Promise<void> {
  if (!fault) {
    const text = JSON.stringify(body);
    ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    ex.res.end(text);
    return;
  }
  if (fault.fault === 'malformed-sse') {
    const garbage = '{"id": this is not json';
    ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(garbage.length), ...headers });
    ex.res.end(garbage);
    return;
  }
  if (fault.fault === 'reset-after' && fault.events <= 0) {
    ex.destroy(); // nothing at all: the client sees a socket hang up
    return;
  }
  // A content-length promising the whole body makes the missing half detectable.
  const bytes = Buffer.from(JSON.stringify(body));
  ex.res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(bytes.length), ...headers });
  await ex.write(bytes.subarray(0, Math.floor(bytes.length / 2)));
  await finish(ex, fault);
}

/** Returns true when the fault ends the response right after the garbage line. */
async function writeGarbage(ex: Exchange, fault: BodyFault | undefined): Promise<boolean> {
  await ex.write(MALFORMED_FRAME);
  if (fault?.fault === 'malformed-sse' && fault.then === 'close') {
    ex.res.end();
    return true;
  }
  return false;
}

async function finish(ex: Exchange, fault: BodyFault | undefined): Promise<void> {
  if (ex.gone) return;
  if (fault?.fault === 'reset-after') return ex.destroy();
  if (fault?.fault === 'never-end') return ex.closed();
  ex.res.end();
}
