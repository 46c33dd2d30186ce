/** A node:http answer behind a web Response: it must read like any Response, for plugins that wrap a forward. */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasBody, nodeBodyOf, nodeBodyResponse, readBodyText } from './node-body.ts';

const server = createServer((req, res) => {
  if (req.url === '/empty') return void res.writeHead(204).end();
  res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes', 'set-cookie': ['a=1', 'b=2'] });
  res.end(JSON.stringify({ ok: true, path: req.url }));
});
let base = '';
beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  resolve();
})));
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const answer = (path: string) => new Promise<IncomingMessage>((resolve, reject) => request(`${base}${path}`, resolve).on('error', reject).end());

describe('nodeBodyResponse', () => {
  it('reads as text, json, a web stream or a clone, with the upstream headers', async () => {
    const text = nodeBodyResponse(await answer('/a'));
    expect(text.status).toBe(200);
    expect(text.headers.get('X-Upstream')).toBe('yes');
    expect(text.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await text.text()).toBe('{"ok":true,"path":"/a"}');

    expect(await nodeBodyResponse(await answer('/b')).json()).toEqual({ ok: true, path: '/b' });

    const streamed = nodeBodyResponse(await answer('/c'));
    expect(streamed.bodyUsed).toBe(false);
    const copy = streamed.clone();
    expect(await new Response(streamed.body).text()).toBe('{"ok":true,"path":"/c"}');
    expect(await copy.text()).toBe('{"ok":true,"path":"/c"}');
    expect(new Uint8Array(await nodeBodyResponse(await answer('/d')).arrayBuffer()).length).toBe(23);
  });

  it('keeps the node stream for the core until someone asks for the web body', async () => {
    const res = nodeBodyResponse(await answer('/e'));
    expect(hasBody(res)).toBe(true);
    expect(nodeBodyOf(res)).toBeDefined();
    expect(await readBodyText(res)).toBe('{"ok":true,"path":"/e"}');
    const asked = nodeBodyResponse(await answer('/f'));
    expect(asked.body).not.toBeNull();
    expect(nodeBodyOf(asked)).toBeUndefined();
    expect(await readBodyText(asked)).toBe('{"ok":true,"path":"/f"}');
    const empty = nodeBodyResponse(await answer('/empty'));
    expect(empty.status).toBe(204);
    expect(hasBody(empty)).toBe(false);
  });
});
