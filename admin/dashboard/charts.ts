/**
 * uPlot time charts (requests/errors, tokens) and the by-group breakdown. The canvas cannot read
 * CSS variables, so colours are read from the stylesheet when a chart is made and the chart is
 * remade when the colour scheme flips.
 */
import { h, type ComponentChild } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { formatCompact, formatNumber, formatUsd } from './format.ts';
import type { GroupBy, Stats } from './types.ts';

interface SeriesSpec {
  label: string;
  values: number[];
  /** CSS variable holding the colour. */
  color: string;
}

interface TimeChartProps {
  title: string;
  xs: number[];
  series: SeriesSpec[];
  bars?: boolean;
  height?: number;
  /** How values read on the axis and in the legend (default: counts). */
  format?: { axis: (v: number) => string; value: (v: number) => string };
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function useColorScheme(): string {
  const query = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
  const [scheme, setScheme] = useState(query?.matches ? 'dark' : 'light');
  useEffect(() => {
    if (!query) return;
    const on = () => setScheme(query.matches ? 'dark' : 'light');
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, []);
  return scheme;
}

const COUNTS = { axis: formatCompact, value: formatNumber };

export function TimeChart({ title, xs, series, bars = false, height = 180, format = COUNTS }: TimeChartProps): ComponentChild {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const scheme = useColorScheme();
  const shape = series.map((s) => s.label).join('|');

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisColor = cssVar('--muted');
    const gridColor = cssVar('--grid');
    const axis: uPlot.Axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      padding: [8, 8, 0, 0],
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { size: 6 } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { ...axis },
        { ...axis, size: 56, values: (_u, ticks) => ticks.map((v) => format.axis(v)) },
      ],
      series: [
        {},
        ...series.map((s): uPlot.Series => {
          const color = cssVar(s.color);
          return {
            label: s.label,
            stroke: color,
            width: bars ? 0 : 2,
            fill: bars ? color : withAlpha(color, 0.12),
            // Bars overlap on purpose: errors are a subset of requests, drawn over them.
            paths: bars ? uPlot.paths.bars?.({ size: [0.7, 40], gap: 1 }) : undefined,
            points: { show: false },
            value: (_u, v) => (v === null ? '—' : format.value(v)),
          };
        }),
      ],
    };
    const u = new uPlot(opts, [xs, ...series.map((s) => s.values)], el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
    // Rebuilt only when the series set or the colours change; new data goes through setData below.
  }, [shape, scheme, bars, height]);

  useEffect(() => {
    chart.current?.setData([xs, ...series.map((s) => s.values)]);
  }, [xs, series]);

  return h('figure', { class: 'chart' }, h('figcaption', null, title), h('div', { class: 'chart-canvas', ref: box }));
}

function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1]!, 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

interface BreakdownProps {
  groups: Stats['groups'];
  group: GroupBy;
  onGroup: (g: GroupBy) => void;
  /** Rank by requests or by cost (principals by cost: the top spenders). */
  sort: BreakdownSort;
  onSort: (s: BreakdownSort) => void;
  /** Names to show for group keys (a managed key's name for its id); the key itself is the tooltip. */
  labels?: ReadonlyMap<string, string> | undefined;
}

export type BreakdownSort = 'requests' | 'cost';

/** By-model (or provider, principal) table with inline bars: simple, and readable at any count. */
export function Breakdown({ groups, group, onGroup, sort, onSort, labels }: BreakdownProps): ComponentChild {
  const measure = (g: Stats['groups'][number]) => (sort === 'cost' ? g.cost_usd ?? 0 : g.requests);
  const sorted = [...groups].sort((a, b) => measure(b) - measure(a) || b.requests - a.requests);
  const max = Math.max(sort === 'cost' ? Number.MIN_VALUE : 1, ...sorted.map(measure));
  return h(
    'figure',
    { class: 'chart breakdown' },
    h(
      'figcaption',
      null,
      'By ',
      h(
        'select',
        { value: group, 'aria-label': 'Group by', onChange: (e: Event) => onGroup((e.currentTarget as HTMLSelectElement).value as GroupBy) },
        h('option', { value: 'model' }, 'model'),
        h('option', { value: 'provider' }, 'provider'),
        h('option', { value: 'principal' }, 'principal'),
      ),
      ' by ',
      h(
        'select',
        { value: sort, 'aria-label': 'Rank by', 'data-testid': 'rank-by', onChange: (e: Event) => onSort((e.currentTarget as HTMLSelectElement).value as BreakdownSort) },
        h('option', { value: 'requests' }, 'requests'),
        h('option', { value: 'cost' }, 'cost'),
      ),
    ),
    sorted.length === 0
      ? h('p', { class: 'empty' }, 'No requests in this range.')
      : h(
          'table',
          { class: 'breakdown-table' },
          h(
            'thead',
            null,
            h('tr', null, h('th', null, group), h('th', { class: 'num' }, 'requests'), h('th', { class: 'num' }, 'errors'), h('th', { class: 'num' }, 'tokens in'), h('th', { class: 'num' }, 'out'), h('th', { class: 'num' }, 'cost')),
          ),
          h(
            'tbody',
            null,
            sorted.map((g) =>
              h(
                'tr',
                { key: g.key ?? '' },
                h(
                  'td',
                  { class: 'bar-cell' },
                  h('span', { class: 'bar', style: { width: `${(measure(g) / max) * 100}%` } }),
                  h('span', { class: 'bar-label', title: g.key ?? undefined }, (g.key !== null && labels?.get(g.key)) || (g.key ?? '(none)')),
                ),
                h('td', { class: 'num' }, formatNumber(g.requests)),
                h('td', { class: g.errors ? 'num err-text' : 'num' }, formatNumber(g.errors)),
                h('td', { class: 'num' }, formatCompact(g.input_tokens)),
                h('td', { class: 'num' }, formatCompact(g.output_tokens)),
                h('td', { class: 'num', title: g.unpriced ? `${g.unpriced} request(s) of models without a price are not in this sum` : undefined }, formatUsd(g.cost_usd ?? 0), g.unpriced ? h('span', { class: 'unpriced-mark' }, '+') : null),
              ),
            ),
          ),
        ),
  );
}
