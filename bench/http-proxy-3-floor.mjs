// A second floor: the least a proxy built on http-proxy-3 (which the OpenAI passthrough must use)
// can do while routing by model as Aurora does: read the body, parse it, send it on. No hooks,
// auth, headers policy, audit or metrics. The gap from the raw proxy to this row is the library
// and the body read; the gap from this row to Aurora is Aurora's own.
import http from 'node:http';
import { ProxyServer } from 'http-proxy-3';

export function createHttpProxy3Floor(upstream) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2048 });
  const proxy = new ProxyServer();
  proxy.on('error', (_err, _req, res) => (res.headersSent ? res.destroy() : res.writeHead(502).end()));
  proxy.on('proxyRes', (proxyRes, _req, res) => {
    res.writeHead(proxyRes.statusCode ?? 502, proxyRes.headers);
    proxyRes.pipe(res);
  });
  const base = upstream.replace(/\/$/, '');
  return http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      JSON.parse(body.toString('utf8')).model; // routing needs the model
      const target = new URL(base + req.url);
      proxy.web(req, res, { target, ignorePath: true, changeOrigin: true, selfHandleResponse: true, agent, buffer: { pipe: (to) => to.end(body) } });
    });
  });
}
