/** Client-side routes under /admin/dashboard/audit; the server answers index.html for all of them. */
export const BASE_PATH = '/admin/dashboard/audit';

/** The managed keys, their budgets and spend (the auth plugin's admin API). */
export const KEYS_PATH = `${BASE_PATH}/keys`;

export type Route = { view: 'list'; search: string } | { view: 'detail'; id: string } | { view: 'keys' };

export function parseRoute(pathname: string, search: string): Route {
  const rest = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : '';
  if (/^\/keys\/?$/.test(rest)) return { view: 'keys' };
  const m = /^\/requests\/([^/]+)\/?$/.exec(rest);
  if (m) {
    try {
      return { view: 'detail', id: decodeURIComponent(m[1]!) };
    } catch {
      // a malformed escape: show the list rather than throw
    }
  }
  return { view: 'list', search };
}

export function detailPath(id: string): string {
  return `${BASE_PATH}/requests/${encodeURIComponent(id)}`;
}

/** A plain left click on a link we route ourselves (not ctrl/cmd/middle click: those open a tab). */
export function isPlainClick(e: MouseEvent): boolean {
  return e.button === 0 && !e.metaKey && !e.ctrlKey && !e.shiftKey && !e.altKey;
}
