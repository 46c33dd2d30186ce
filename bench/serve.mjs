// Child process: one bench target on 127.0.0.1, on its own event loop.
//   argv[2]: JSON { kind, upstream, apiKey, masterKey?, auditDir? }
//   kind: raw | hp3 | pass | routed | auth | audit | deepseek | stateful | audit-stateful
//   (routed: the passthrough with an alias, a fallback chain and a pool of three members;
//   stateful: the passthrough with the responses-store plugin, its files in a temp folder; audit-stateful:
//   with the audit plugin too)
// IPC: sends { url } when listening; answers { cmd: 'stats', gc? } with { mem: process.memoryUsage(),
// cpu: process.cpuUsage() } (memory after two full GCs when gc is asked and the child runs with
// --expose-gc); { cmd: 'close' } stops gracefully and exits, so a --cpu-prof child writes its profile.
import { answerParent } from './child-ipc.mjs';
import { createHttpProxy3Floor } from './http-proxy-3-floor.mjs';
import { createRawProxy } from './raw-proxy.mjs';

const spec = JSON.parse(process.argv[2]);
let server;
let close;

if (spec.kind === 'raw' || spec.kind === 'hp3') {
  server = spec.kind === 'raw' ? createRawProxy(spec.upstream) : createHttpProxy3Floor(spec.upstream);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  close = () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); });
  process.send({ url: `http://127.0.0.1:${server.address().port}` });
} else {
  const { createGateway } = await import('aurora');
  const auth = (await import('aurora/plugins/auth')).default;
  const plugins = [auth(spec.masterKey ? { masterKey: spec.masterKey } : {})];
  if (spec.kind === 'audit' || spec.kind === 'audit-stateful') plugins.push((await import('aurora/plugins/audit')).default({ dir: spec.auditDir }));
  if (spec.kind === 'stateful' || spec.kind === 'audit-stateful') {
    const dir = (await import('node:fs')).mkdtempSync(`${(await import('node:os')).tmpdir()}/aurora-bench-responses-`);
    plugins.push(...(await import('aurora/plugins/responses-store')).default({ dir, passthroughOwners: process.env.BENCH_OWNERS !== '0' }));
  }
  if (spec.kind === 'deepseek') {
    plugins.push((await import('aurora/plugins/deepseek')).default({ baseUrl: spec.upstream, apiKey: spec.apiKey }));
  } else {
    // maxSockets above the default 256 so the 1,000-stream memory run really holds 1,000 upstream calls.
    // Routed: three pool members (one emulator: what is measured is the gateway's spreading).
    const pool = spec.kind === 'routed' ? { pool: [{ name: 'a', weight: 2 }, { name: 'b' }, { name: 'c' }] } : {};
    plugins.push((await import('aurora/plugins/openai')).default({ baseUrl: `${spec.upstream}/v1`, apiKey: spec.apiKey, maxSockets: 2048, ...pool }));
  }
  const routing = spec.kind === 'routed' ? { aliases: { 'codex-default': 'deepseek-v4-pro' }, fallbacks: { 'deepseek-*': ['gpt-5.5'] } } : undefined;
  const gateway = await createGateway({ log: { level: 'error' }, plugins, ...(routing ? { routing } : {}) });
  const { url } = await gateway.listen({ port: 0, host: '127.0.0.1' });
  close = () => gateway.close();
  process.send({ url });
}

answerParent(() => close());
