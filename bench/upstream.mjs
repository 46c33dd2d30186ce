// Child process: the emulated upstream (core/testing/upstream, built into aurora/testing) on its own
// event loop, so it does not share a CPU queue with the load generator or the gateway.
// argv[2]: JSON MockUpstreamOptions. Reports { url } over IPC; answers { cmd: 'stats' } like serve.mjs.
import { startMockUpstream } from 'aurora/testing';

const mock = await startMockUpstream(JSON.parse(process.argv[2] ?? '{}'));
// The mock records every request; under load that is an unbounded array. Keep it empty.
setInterval(() => void (mock.requests.length = 0), 500).unref();
process.on('message', async (msg) => {
  if (msg?.cmd === 'stats') process.send({ mem: process.memoryUsage(), cpu: process.cpuUsage(), gc: false });
  else if (msg?.cmd === 'close') {
    await mock.close();
    process.exit(0);
  }
});
process.send({ url: mock.url });
