// The floor: the least a reverse proxy can do on node:http (pipe both bodies, keep-alive upstream).
// Aurora's added cost is measured against this, not against zero.
import http from 'node:http';

export function createRawProxy(target) {
  const { hostname, port } = new URL(target);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2048 });
  return http.createServer((req, res) => {
    const upstream = http.request({ hostname, port, agent, method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
    res.on('close', () => res.writableFinished || upstream.destroy()); // client gone: drop the upstream call
    req.pipe(upstream);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // node bench/raw-proxy.mjs <upstream-url> [port]
  const server = createRawProxy(process.argv[2]).listen(Number(process.argv[3] ?? 0), '127.0.0.1', () => console.log(server.address()));
}
