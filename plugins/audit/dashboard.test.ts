import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginRoute, RequestContext } from 'aurora';
import { assetName, CONTENT_SECURITY_POLICY, dashboardRoutes, defaultDashboardDir } from './dashboard.ts';

let dir: string;
let routes: PluginRoute[];
const ctx = {} as RequestContext;

/** What the core does: the first route whose path matches (exact, or prefix when it ends with `*`). */
function get(path: string): Promise<Response> | Response {
  const route = routes.find((r) => (r.path.endsWith('*') ? path.startsWith(r.path.slice(0, -1)) : r.path === path));
  if (!route) throw new Error(`no route for ${path}`);
  return route.handler(new Request(`http://localhost${path}`), ctx);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aurora-serve-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  await writeFile(join(dir, 'assets', 'app-ABC123.js'), 'console.log(1)');
  await writeFile(join(dir, 'assets', 'styles-ABC123.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'outside the assets folder');
  routes = dashboardRoutes({ assetsDir: dir });
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('dashboardRoutes', () => {
  it('redirects /admin/dashboard to the audit page', async () => {
    for (const path of ['/admin/dashboard', '/admin/dashboard/']) {
      const res = await get(path);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/dashboard/audit');
    }
  });

  it('answers index.html for the page and its client-side routes, with the CSP and no caching', async () => {
    for (const path of ['/admin/dashboard/audit', '/admin/dashboard/audit/requests/req_1']) {
      const res = await get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(await res.text()).toContain('<title>x</title>');
    }
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self';");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
  });

  it('serves assets with their content type and a long cache', async () => {
    const js = await get('/admin/dashboard/assets/app-ABC123.js');
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('console.log(1)');
    expect((await get('/admin/dashboard/assets/styles-ABC123.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('refuses anything that is not one plain file name in assets/', async () => {
    for (const path of [
      '/admin/dashboard/assets/..%2fsecret.txt',
      '/admin/dashboard/assets/%2e%2e%2fsecret.txt',
      '/admin/dashboard/assets/..%5csecret.txt',
      '/admin/dashboard/assets/sub%2fapp-ABC123.js',
      '/admin/dashboard/assets/.hidden',
      '/admin/dashboard/assets/%00app.js',
      '/admin/dashboard/assets/%E0%A4%A',
      '/admin/dashboard/assets/missing.js',
      '/admin/dashboard/assets/',
    ]) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text()).not.toContain('outside the assets folder');
    }
    expect(assetName('/admin/dashboard/assets/app-ABC123.js')).toBe('app-ABC123.js');
    expect(assetName('/admin/dashboard/assets/../secret.txt')).toBeUndefined();
  });

  it('defaults to dist/admin/dashboard of the aurora package, wherever the code was bundled to', () => {
    const root = join(import.meta.dirname, '..', '..');
    expect(defaultDashboardDir()).toBe(join(root, 'dist', 'admin', 'dashboard'));
    expect(defaultDashboardDir(join(root, 'dist', 'chunks', 'chunk-X.js'))).toBe(join(root, 'dist', 'admin', 'dashboard'));
  });

  it('says how to build when the dashboard was not built', async () => {
    routes = dashboardRoutes({ assetsDir: join(dir, 'nowhere') });
    try {
      const res = await get('/admin/dashboard/audit');
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('npm run build');
    } finally {
      routes = dashboardRoutes({ assetsDir: dir });
    }
  });
});
