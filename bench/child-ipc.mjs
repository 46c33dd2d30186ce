// The parent's two requests to a bench child: `stats` (memory after two full GCs when asked and the
// child runs with --expose-gc, and CPU time) and `close` (stop gracefully, then exit, so a
// --cpu-prof child writes its profile). `gcMs` is the time spent in garbage collection pauses so
// far: a request that keeps its objects alive longer than it should shows here first.
import { PerformanceObserver } from 'node:perf_hooks';

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

export function answerParent(close) {
  process.on('message', async (msg) => {
    if (msg?.cmd === 'stats') {
      if (msg.gc && globalThis.gc) {
        globalThis.gc();
        await new Promise((resolve) => setImmediate(resolve));
        globalThis.gc();
      }
      process.send({ mem: process.memoryUsage(), cpu: process.cpuUsage(), gc: Boolean(globalThis.gc), gcMs });
    } else if (msg?.cmd === 'close') {
      await close();
      process.exit(0);
    }
  });
}
