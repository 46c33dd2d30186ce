/**
 * The request list: filters, charts, the table, "load more", and the live tail that puts each new
 * record on top without a reload.
 */
import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { AuthError, statsWindow, type Api } from './api.ts';
import { addCounts, alignBuckets, NO_COUNTS, pickBucket } from './buckets.ts';
import { Breakdown, TimeChart, type BreakdownSort } from './charts.ts';
import { FilterBar, filtersFromSearch, filtersToSearch, type Suggestions } from './filters.ts';
import { formatCompact, formatDateTime, formatMs, formatNumber, formatTime, formatUsd } from './format.ts';
import { BASE_PATH, detailPath, isPlainClick } from './routes.ts';
import type { AuditSummary, Filters, GroupBy, Stats } from './types.ts';

export type LiveState = 'connecting' | 'live' | 'retrying';

interface RequestsViewProps {
  api: Api;
  hidden: boolean;
  navigate: (path: string) => void;
  onApiError: (err: unknown) => void;
  onLive: (state: LiveState) => void;
}

const PAGE = 50;
/** Stats are refetched at most this often while records stream in. */
const STATS_REFRESH_MS = 3000;

export function RequestsView({ api, hidden, navigate, onApiError, onLive }: RequestsViewProps): ComponentChild {
  const [filters, setFilters] = useState<Filters>(() => filtersFromSearch(location.search));
  const [rows, setRows] = useState<AuditSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState<'page' | 'more' | null>('page');
  const [error, setError] = useState<string | null>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  const [stats, setStats] = useState<Stats | null>(null);
  const [group, setGroup] = useState<GroupBy>('model');
  const [rank, setRank] = useState<BreakdownSort>('requests');
  // Managed keys' names, so principals are ranked by name rather than by id.
  const [keyNames, setKeyNames] = useState<ReadonlyMap<string, string> | undefined>(undefined);
  const [statsTick, setStatsTick] = useState(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;
  const loadingRef = useRef<AuditSummary[] | null>(null);
  const statsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const fail = useCallback(
    (err: unknown) => {
      if (err instanceof AuthError) return onApiError(err);
      setError((err as Error).message);
    },
    [onApiError],
  );

  // The first page, again whenever the filters change.
  useEffect(() => {
    let stale = false;
    setLoading('page');
    setError(null);
    loadingRef.current = [];
    api.requests(filters, null, PAGE).then(
      (page) => {
        if (stale) return;
        // Records that arrived live while the page was loading may be newer than the page.
        setRows(mergeRows(loadingRef.current ?? [], page.data));
        loadingRef.current = null;
        setCursor(page.next_cursor);
        setLoading(null);
      },
      (err) => {
        if (stale) return;
        loadingRef.current = null;
        setLoading(null);
        fail(err);
      },
    );
    return () => {
      stale = true;
    };
  }, [api, filters]);

  useEffect(() => {
    if (group !== 'principal' || keyNames) return;
    let stale = false;
    api.keys().then(
      (keys) => {
        if (!stale) setKeyNames(new Map((keys ?? []).map((k) => [k.id, k.name])));
      },
      // Without names the ids are shown: nothing the user has to act on.
      () => undefined,
    );
    return () => {
      stale = true;
    };
  }, [api, group, keyNames]);

  const statsSpan = statsWindow(filters);
  const bucket = pickBucket(statsSpan.to - statsSpan.from);
  useEffect(() => {
    let stale = false;
    api.stats(filters, bucket, group).then(
      (s) => !stale && setStats(s),
      (err) => !stale && fail(err),
    );
    return () => {
      stale = true;
    };
  }, [api, filters, bucket, group, statsTick]);

  const onRecord = useCallback((record: AuditSummary) => {
    if (!statsTimer.current) {
      statsTimer.current = setTimeout(() => {
        statsTimer.current = null;
        setStatsTick((t) => t + 1);
      }, STATS_REFRESH_MS);
    }
    if (loadingRef.current) loadingRef.current.push(record);
    else setRows((prev) => mergeRows([record], prev));
    setFresh((prev) => new Set(prev).add(record.id));
    setTimeout(() => setFresh((prev) => {
      const next = new Set(prev);
      next.delete(record.id);
      return next;
    }), 2500);
  }, []);

  // The tail carries the table's filters (the server applies them); it is reopened when they change
  // and after a drop, with backoff.
  useEffect(() => {
    const stop = new AbortController();
    let attempt = 0;
    void (async () => {
      while (!stop.signal.aborted) {
        onLive('connecting');
        try {
          await api.tail(filters, onRecord, stop.signal, () => {
            attempt = 0;
            onLive('live');
          });
        } catch (err) {
          if (stop.signal.aborted) return;
          if (err instanceof AuthError) return onApiError(err);
        }
        if (stop.signal.aborted) return;
        onLive('retrying');
        await sleep(Math.min(30_000, 1000 * 2 ** attempt++), stop.signal);
      }
    })();
    return () => stop.abort();
  }, [api, filters, onRecord]);
  useEffect(() => () => void (statsTimer.current && clearTimeout(statsTimer.current)), []);

  const apply = (next: Filters) => {
    setFilters(next);
    history.replaceState(null, '', BASE_PATH + filtersToSearch(next));
  };
  useEffect(() => {
    // Back from a detail page to a list URL carrying other filters (e.g. a shared link).
    const onPop = () => {
      if (location.pathname !== BASE_PATH) return;
      const next = filtersFromSearch(location.search);
      if (filtersToSearch(next) !== filtersToSearch(filtersRef.current)) setFilters(next);
    };
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const loadMore = () => {
    if (!cursor) return;
    setLoading('more');
    const asked = filters;
    api.requests(filters, cursor, PAGE).then(
      (page) => {
        // The filters changed meanwhile: this page belongs to the old table.
        if (filtersRef.current !== asked) return;
        setRows((prev) => mergeRows(prev, page.data));
        setCursor(page.next_cursor);
        setLoading(null);
      },
      (err) => {
        setLoading(null);
        fail(err);
      },
    );
  };

  const [exporting, setExporting] = useState(false);
  const download = async (format: 'jsonl' | 'csv') => {
    setExporting(true);
    try {
      const blob = await api.exportFile(filters, format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `aurora-audit-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${format}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      fail(err);
    } finally {
      setExporting(false);
    }
  };

  const suggestions = useMemo(() => collectSuggestions(rows, stats, group), [rows, stats, group]);
  const chartData = useMemo(() => (stats ? alignBuckets(stats, bucket, statsSpan, filters.range === 'all') : null), [stats, bucket]);

  return h(
    'main',
    { class: 'page', hidden },
    h(FilterBar, { filters, suggestions, onApply: apply }),
    error ? h('p', { class: 'banner banner-error', role: 'alert' }, error) : null,
    stats && chartData ? h(Overview, { stats, chartData, group, onGroup: setGroup, rank, onRank: setRank, bucket, labels: keyNames }) : h('section', { class: 'overview overview-loading' }),
    h(
      'section',
      { class: 'card table-card' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', null, 'Requests'),
        h('span', { class: 'muted' }, rows.length ? `${formatNumber(rows.length)} shown${cursor ? ', more available' : ''}` : ''),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'btn btn-small', disabled: exporting, onClick: () => download('jsonl') }, 'Export JSONL'),
        h('button', { type: 'button', class: 'btn btn-small', disabled: exporting, onClick: () => download('csv') }, 'Export CSV'),
      ),
      h(RequestTable, { rows, fresh, navigate, loading: loading === 'page' }),
      h(
        'div',
        { class: 'table-foot' },
        cursor
          ? h('button', { type: 'button', class: 'btn', disabled: loading !== null, onClick: loadMore, 'data-testid': 'load-more' }, loading === 'more' ? 'Loading…' : 'Load more')
          : rows.length
            ? h('span', { class: 'muted' }, 'End of results')
            : null,
      ),
    ),
  );
}

function mergeRows(newer: AuditSummary[], older: AuditSummary[]): AuditSummary[] {
  const seen = new Set<string>();
  const out: AuditSummary[] = [];
  for (const r of [...newer, ...older]) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push(r);
  }
  // Live records can finish out of start order; keep the table newest first.
  return out.sort((a, b) => b.time - a.time);
}

function collectSuggestions(rows: AuditSummary[], stats: Stats | null, group: GroupBy): Suggestions {
  const models = new Set<string>();
  const providers = new Set<string>();
  const principals = new Set<string>();
  for (const r of rows) {
    if (r.model) models.add(r.model);
    if (r.provider) providers.add(r.provider);
    if (r.principal) principals.add(r.principal.id);
  }
  const target = group === 'model' ? models : group === 'provider' ? providers : principals;
  for (const g of stats?.groups ?? []) if (g.key) target.add(g.key);
  const sorted = (s: Set<string>) => [...s].sort();
  return { models: sorted(models), providers: sorted(providers), principals: sorted(principals) };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    }, { once: true });
  });
}

interface OverviewProps {
  stats: Stats;
  chartData: ReturnType<typeof alignBuckets>;
  group: GroupBy;
  onGroup: (g: GroupBy) => void;
  rank: BreakdownSort;
  onRank: (s: BreakdownSort) => void;
  bucket: string;
  labels: ReadonlyMap<string, string> | undefined;
}

const USD = { axis: formatUsd, value: formatUsd };

function Overview({ stats, chartData, group, onGroup, rank, onRank, bucket, labels }: OverviewProps): ComponentChild {
  const total = stats.groups.reduce(addCounts, NO_COUNTS);
  const col = (key: 'requests' | 'errors' | 'input_tokens' | 'output_tokens' | 'cached_tokens' | 'reasoning_tokens' | 'cost_usd') => chartData.rows.map((r) => r[key] ?? 0);
  const rate = total.requests ? (total.errors / total.requests) * 100 : 0;
  return h(
    'section',
    { class: 'overview' },
    h(
      'div',
      { class: 'kpis' },
      kpi('Requests', formatNumber(total.requests)),
      kpi('Errors', formatNumber(total.errors), total.requests ? `${rate.toFixed(rate < 10 && rate > 0 ? 1 : 0)}%` : undefined, total.errors > 0),
      kpi('Tokens in', formatCompact(total.input_tokens), total.cached_tokens ? `${formatCompact(total.cached_tokens)} cached` : undefined),
      kpi('Tokens out', formatCompact(total.output_tokens), total.reasoning_tokens ? `${formatCompact(total.reasoning_tokens)} reasoning` : undefined),
      // Requests of models without a price are not in the sum: said, never counted as free.
      kpi('Cost', formatUsd(total.cost_usd), total.unpriced ? `+ ${formatNumber(total.unpriced)} unpriced` : undefined, false, 'kpi-cost'),
    ),
    h(
      'div',
      { class: 'charts' },
      h(TimeChart, {
        title: `Requests per ${bucket}`,
        xs: chartData.xs,
        bars: true,
        series: [
          { label: 'requests', values: col('requests'), color: '--c-requests' },
          { label: 'errors', values: col('errors'), color: '--c-errors' },
        ],
      }),
      h(TimeChart, {
        title: `Tokens per ${bucket}`,
        xs: chartData.xs,
        series: [
          { label: 'input', values: col('input_tokens'), color: '--c-input' },
          { label: 'cached', values: col('cached_tokens'), color: '--c-cached' },
          { label: 'output', values: col('output_tokens'), color: '--c-output' },
          { label: 'reasoning', values: col('reasoning_tokens'), color: '--c-reasoning' },
        ],
      }),
      h(TimeChart, {
        title: `Cost per ${bucket} (USD)`,
        xs: chartData.xs,
        bars: true,
        format: USD,
        series: [{ label: 'cost', values: col('cost_usd'), color: '--c-cost' }],
      }),
      h(Breakdown, { groups: stats.groups, group, onGroup, sort: rank, onSort: onRank, labels }),
    ),
  );
}

function kpi(label: string, value: string, sub?: string, bad = false, testId?: string): ComponentChild {
  return h('div', { class: bad ? 'kpi kpi-bad' : 'kpi', 'data-testid': testId }, h('span', { class: 'kpi-label' }, label), h('strong', null, value), sub ? h('span', { class: 'kpi-sub' }, sub) : null);
}

interface RequestTableProps {
  rows: AuditSummary[];
  fresh: ReadonlySet<string>;
  navigate: (path: string) => void;
  loading: boolean;
}

function RequestTable({ rows, fresh, navigate, loading }: RequestTableProps): ComponentChild {
  if (!rows.length) {
    return h('p', { class: 'empty' }, loading ? 'Loading…' : 'No requests match. New ones appear here as they finish.');
  }
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'requests', 'data-testid': 'requests' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'Time'),
          h('th', null, 'Principal'),
          h('th', null, 'Endpoint'),
          h('th', null, 'Model → provider / upstream'),
          h('th', null, 'Status'),
          h('th', null, 'Outcome'),
          h('th', null, 'Stream'),
          h('th', { class: 'num' }, 'Duration'),
          h('th', { class: 'num' }, 'TTFB'),
          h('th', { class: 'num', title: 'Input tokens' }, 'In'),
          h('th', { class: 'num', title: 'Cached input tokens' }, 'Cached'),
          h('th', { class: 'num', title: 'Output tokens' }, 'Out'),
          h('th', { class: 'num', title: 'Reasoning tokens' }, 'Reason.'),
          h('th', { class: 'num', title: 'What the request cost, USD' }, 'Cost'),
        ),
      ),
      h('tbody', null, rows.map((r) => h(RequestRow, { key: r.id, r, isFresh: fresh.has(r.id), navigate }))),
    ),
  );
}

function RequestRow({ r, isFresh, navigate }: { r: AuditSummary; isFresh: boolean; navigate: (path: string) => void }): ComponentChild {
  const href = detailPath(r.id);
  const open = (e: MouseEvent) => {
    if (!isPlainClick(e)) return;
    // Let a text selection inside the row be made without opening the detail.
    if (getSelection()?.toString()) return;
    e.preventDefault();
    navigate(href);
  };
  const effort = effortOf(r.annotations);
  const routed = [r.provider, r.upstreamModel && r.upstreamModel !== r.model ? r.upstreamModel : null].filter(Boolean).join(' / ');
  return h(
    'tr',
    { class: isFresh ? 'row fresh' : 'row', onClick: open, 'data-id': r.id },
    // The link is for keyboard users and "open in new tab"; a plain click bubbles to the row's handler.
    h('td', { class: 'time', title: formatDateTime(r.time) }, h('a', { href }, formatTime(r.time))),
    h('td', { class: 'principal' }, r.principal ? (r.principal.name ?? r.principal.id) : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'mono', title: `${r.method} ${r.path}` }, endpointLabel(r)),
    h(
      'td',
      { class: 'model' },
      h('span', { class: 'mono' }, r.model ?? '—'),
      routed ? h('span', { class: 'route' }, ' → ', routed) : null,
      effort ? h('span', { class: 'chip chip-effort', title: 'reasoning effort mapped' }, `effort ${effort}`) : null,
    ),
    h('td', null, h(StatusBadge, { status: r.status, title: r.error ? `${r.error.code}: ${r.error.message}` : undefined })),
    h('td', null, h(OutcomeChip, { outcome: r.outcome })),
    h('td', null, r.stream ? h('span', { class: 'chip' }, 'stream') : h('span', { class: 'muted' }, '—')),
    h('td', { class: 'num' }, formatMs(r.durationMs)),
    h('td', { class: 'num' }, formatMs(r.ttfbMs)),
    h('td', { class: 'num' }, formatNumber(r.usage?.input_tokens)),
    h('td', { class: 'num muted-num' }, formatNumber(r.usage?.cached_tokens)),
    h('td', { class: 'num' }, formatNumber(r.usage?.output_tokens)),
    h('td', { class: 'num muted-num' }, formatNumber(r.usage?.reasoning_tokens)),
    h('td', { class: 'num cost' }, costCell(r)),
  );
}

/** The cost, or `unpriced` when tokens were used of a model without a price (unknown, not free). */
export function costCell(r: Pick<AuditSummary, 'cost' | 'unpriced'>): ComponentChild {
  if (r.unpriced) return h('span', { class: 'chip chip-warn', title: 'The model has no price: set one in the config\'s prices' }, 'unpriced');
  return formatUsd(r.cost);
}

const ENDPOINT_PATHS: Record<string, string> = {
  responses: '/v1/responses',
  'chat.completions': '/v1/chat/completions',
  messages: '/v1/messages',
  'messages.count_tokens': '/v1/messages/count_tokens',
  models: '/v1/models',
};

/** The endpoint name, or the path when the request hit no model endpoint (e.g. a 404 on another path). */
function endpointLabel(r: AuditSummary): string {
  return r.endpoint && ENDPOINT_PATHS[r.endpoint] === r.path ? r.endpoint : r.path;
}

/** "xhigh→max" from `annotations.effort = { from, to }`, when a plugin mapped the effort. */
export function effortOf(annotations: Record<string, unknown> | null | undefined): string | null {
  const e = annotations?.effort as { from?: unknown; to?: unknown } | undefined;
  if (!e || typeof e !== 'object') return null;
  const from = e.from === undefined || e.from === null ? '∅' : String(e.from);
  const to = e.to === undefined || e.to === null ? '∅' : String(e.to);
  return from === to ? from : `${from}→${to}`;
}

export function StatusBadge({ status, title }: { status: number; title?: string | undefined }): ComponentChild {
  const cls = status >= 500 ? 'bad' : status >= 400 ? 'warn' : status >= 200 && status < 300 ? 'ok' : 'neutral';
  return h('span', { class: `status status-${cls}`, title }, String(status));
}

export function OutcomeChip({ outcome }: { outcome: string }): ComponentChild {
  const cls = outcome === 'ok' ? 'ok' : outcome === 'error' ? 'bad' : 'warn';
  return h('span', { class: `outcome outcome-${cls}` }, outcome === 'client_closed' ? 'client closed' : outcome);
}
