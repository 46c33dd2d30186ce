// The parent's two requests to a bench child: `stats` (memory after two full GCs when asked and the
// child runs with --expose-gc, and CPU time) and `close` (stop gracefully, then exit, so a
// --cpu-prof child writes its profile).
export function answerParent(close) {
  process.on('message', async (msg) => {
    if (msg?.cmd === 'stats') {
      if (msg.gc && globalThis.gc) {
        globalThis.gc();
        await new Promise((resolve) => setImmediate(resolve));
        globalThis.gc();
      }
      process.send({ mem: process.memoryUsage(), cpu: process.cpuUsage(), gc: Boolean(globalThis.gc) });
    } else if (msg?.cmd === 'close') {
      await close();
      process.exit(0);
    }
  });
}
