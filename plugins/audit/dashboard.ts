/**
 * Serves the built dashboard (its source and build are admin/): the HTML shell for every client-side route and the hashed assets.
 * Neither holds data (the page fetches it from the admin API with the key), so no auth here.
 * The HTML carries a strict Content-Security-Policy: if audited text ever reached the DOM as markup,
 * no inline script or foreign resource could run from it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayError, type PluginRoute } from 'aurora';

export interface DashboardRoutesOptions {
  /** The build output: `index.html` and `assets/` (see admin/build.mjs). Default: `defaultDashboardDir()`. */
  assetsDir?: string;
}

/**
 * `dist/admin/dashboard` of the aurora package this file belongs to. Found by walking up to the
 * package.json named "aurora": once bundled, this code may sit in dist/chunks/, dist/plugins/… or
 * stay in admin/ (tests), so a fixed relative path from import.meta.url would be wrong somewhere.
 */
export function defaultDashboardDir(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'aurora') return join(dir, 'dist', 'admin', 'dashboard');
      } catch {
        // an unreadable package.json is not ours: keep walking up
      }
    }
    if (dirname(dir) === dir) return resolve('dist', 'admin', 'dashboard');
  }
}

export const DASHBOARD_PATH = '/admin/dashboard';
export const AUDIT_PATH = `${DASHBOARD_PATH}/audit`;
const ASSETS_PATH = `${DASHBOARD_PATH}/assets/`;

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A built asset name: flat, no dots-only segments, nothing a path could be made from. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)+$/;

export function dashboardRoutes(options: DashboardRoutesOptions = {}): PluginRoute[] {
  const root = resolve(options.assetsDir ?? defaultDashboardDir());
  const assetsRoot = join(root, 'assets');

  const html = async (): Promise<Response> => {
    let text: string;
    try {
      text = await readFile(join(root, 'index.html'), 'utf8');
    } catch {
      return new Response('The dashboard is not built (no index.html in its assets folder). Run `npm run build`.\n', {
        status: 503,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...SECURITY_HEADERS },
      });
    }
    return new Response(text, {
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        // The shell names the current hashed assets: always revalidate it.
        'cache-control': 'no-cache',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        ...SECURITY_HEADERS,
      },
    });
  };

  const redirect = (): Response => new Response(null, { status: 302, headers: { location: AUDIT_PATH, 'cache-control': 'no-store' } });

  const asset = async (request: Request): Promise<Response> => {
    const name = assetName(new URL(request.url).pathname);
    if (name === undefined) return notFound();
    const file = join(assetsRoot, name);
    // Belt and braces: the name pattern already rules out separators and `..`.
    if (!file.startsWith(assetsRoot + sep)) return notFound();
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      return notFound();
    }
    return new Response(new Uint8Array(data), {
      status: 200,
      headers: {
        'content-type': CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream',
        // Names carry a content hash (admin/build.mjs), so a given URL never changes.
        'cache-control': 'public, max-age=31536000, immutable',
        'content-length': String(data.byteLength),
        ...SECURITY_HEADERS,
      },
    });
  };

  return [
    { method: 'GET', path: DASHBOARD_PATH, handler: redirect },
    { method: 'GET', path: `${DASHBOARD_PATH}/`, handler: redirect },
    { method: 'GET', path: AUDIT_PATH, handler: html },
    { method: 'GET', path: `${AUDIT_PATH}/*`, handler: html },
    { method: 'GET', path: `${ASSETS_PATH}*`, handler: asset },
  ];
}

/** The file name an assets URL asks for, or undefined for anything that is not one plain name. */
export function assetName(pathname: string): string | undefined {
  if (!pathname.startsWith(ASSETS_PATH)) return undefined;
  let name: string;
  try {
    name = decodeURIComponent(pathname.slice(ASSETS_PATH.length));
  } catch {
    return undefined;
  }
  if (name.includes('..') || name.includes('/') || name.includes('\\') || name.includes('\0')) return undefined;
  return ASSET_NAME.test(name) ? name : undefined;
}

function notFound(): Response {
  const response = new GatewayError('AURORA_ERR_NOT_FOUND', { message: 'No such dashboard asset' }).toResponse();
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
  return response;
}
