/**
 * The dashboard shell: sign-in, routing between the request list and a request's detail, and the
 * header. The master key lives in sessionStorage (this tab only) and in memory; any 401/403 from
 * the API drops it and returns to sign-in with the reason.
 */
import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AuthError, createApi } from './api.ts';
import { DetailView } from './detail-view.ts';
import { KeysView } from './keys-view.ts';
import { RequestsView, type LiveState } from './requests-view.ts';
import { parseRoute, type Route, BASE_PATH, KEYS_PATH, isPlainClick } from './routes.ts';
import { SignIn } from './sign-in.ts';

const KEY_STORAGE = 'aurora.admin.key';

function readStoredKey(): string | null {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function App(): ComponentChild {
  const [key, setKey] = useState<string | null>(readStoredKey);
  const [signInMessage, setSignInMessage] = useState<string | null>(null);
  const [route, setRoute] = useState<Route>(() => parseRoute(location.pathname, location.search));
  const [live, setLive] = useState<LiveState>('connecting');
  const api = useMemo(() => (key ? createApi(key) : null), [key]);

  // The list keeps its scroll position across a visit to a detail page (the list stays mounted, hidden).
  const listScroll = useRef(0);
  const routeRef = useRef(route);
  routeRef.current = route;
  useEffect(() => {
    history.scrollRestoration = 'manual';
  }, []);
  useEffect(() => {
    scrollTo(0, route.view === 'list' ? listScroll.current : 0);
  }, [route.view === 'detail' ? route.id : route.view]);

  useEffect(() => {
    const onPop = () => {
      if (routeRef.current.view === 'list') listScroll.current = scrollY;
      setRoute(parseRoute(location.pathname, location.search));
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((path: string) => {
    if (routeRef.current.view === 'list') listScroll.current = scrollY;
    if (path !== location.pathname + location.search) history.pushState({ inApp: true }, '', path);
    setRoute(parseRoute(location.pathname, location.search));
  }, []);

  const signOut = useCallback((message: string | null) => {
    try {
      sessionStorage.removeItem(KEY_STORAGE);
    } catch {
      // storage may be disabled; the key is dropped from memory either way
    }
    setKey(null);
    setSignInMessage(message);
  }, []);

  const onApiError = useCallback(
    (err: unknown) => {
      if (err instanceof AuthError) signOut(err.message);
    },
    [signOut],
  );

  const signIn = useCallback((newKey: string) => {
    try {
      sessionStorage.setItem(KEY_STORAGE, newKey);
    } catch {
      // without storage the key lasts until reload
    }
    setSignInMessage(null);
    setKey(newKey);
  }, []);

  if (!api) return h(SignIn, { message: signInMessage, onSignIn: signIn });

  const detail = route.view === 'detail' ? route : null;
  const link = (path: string, label: string, active: boolean) =>
    h('a', {
      class: active ? 'nav-link nav-active' : 'nav-link',
      href: path,
      'aria-current': active ? 'page' : undefined,
      onClick: (e: MouseEvent) => {
        if (!isPlainClick(e)) return;
        e.preventDefault();
        navigate(path);
      },
    }, label);
  return h(
    'div',
    { class: 'app' },
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        {
          class: 'brand',
          href: BASE_PATH,
          onClick: (e: MouseEvent) => {
            e.preventDefault();
            navigate(BASE_PATH);
          },
        },
        h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
        'Aurora',
        h('span', { class: 'brand-sub' }, 'Audit'),
      ),
      h('nav', { class: 'nav' }, link(BASE_PATH, 'Requests', route.view !== 'keys'), link(KEYS_PATH, 'Keys', route.view === 'keys')),
      h('span', { class: `live live-${live}`, title: LIVE_TITLES[live], 'data-testid': 'live' }, h('span', { class: 'live-dot' }), LIVE_LABELS[live]),
      h('button', { type: 'button', class: 'btn btn-ghost', onClick: () => signOut('Signed out.') }, 'Sign out'),
    ),
    // The list stays mounted under the detail view: its rows, filters and live tail survive a visit.
    h(RequestsView, { api, hidden: route.view !== 'list', navigate, onApiError, onLive: setLive }),
    detail ? h(DetailView, { key: detail.id, api, id: detail.id, navigate, onApiError }) : null,
    route.view === 'keys' ? h(KeysView, { api, onApiError }) : null,
  );
}

const LIVE_LABELS: Record<LiveState, string> = { connecting: 'Connecting', live: 'Live', retrying: 'Reconnecting' };
const LIVE_TITLES: Record<LiveState, string> = {
  connecting: 'Opening the live tail…',
  live: 'New requests appear as they finish',
  retrying: 'The live tail dropped; retrying',
};
