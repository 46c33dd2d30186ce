/** The filter bar, and the filters' round trip through the URL query (no key is ever in it). */
import { h, type ComponentChild } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EMPTY_FILTERS, type Filters } from './types.ts';

const FIELDS = Object.keys(EMPTY_FILTERS) as Array<keyof Filters>;

export function filtersFromSearch(search: string): Filters {
  const q = new URLSearchParams(search);
  const f = { ...EMPTY_FILTERS };
  for (const name of FIELDS) {
    const v = q.get(name);
    if (v !== null) f[name] = v;
  }
  return f;
}

export function filtersToSearch(f: Filters): string {
  const q = new URLSearchParams();
  for (const name of FIELDS) if (f[name] && f[name] !== EMPTY_FILTERS[name]) q.set(name, f[name]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

export interface Suggestions {
  models: string[];
  providers: string[];
  principals: string[];
}

interface FilterBarProps {
  filters: Filters;
  suggestions: Suggestions;
  onApply: (f: Filters) => void;
}

export function FilterBar({ filters, suggestions, onApply }: FilterBarProps): ComponentChild {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [filters]);
  const set = (name: keyof Filters) => (e: Event) => {
    const value = (e.currentTarget as HTMLInputElement | HTMLSelectElement).value;
    const next = { ...draft, [name]: value };
    setDraft(next);
    // Selects apply at once; text fields wait for Enter or the Apply button.
    if ((e.currentTarget as HTMLElement).tagName === 'SELECT') onApply(next);
  };
  const text = (name: keyof Filters, label: string, placeholder: string, list?: string) =>
    h(
      'label',
      { class: `field field-${name}` },
      h('span', null, label),
      h('input', { type: name === 'q' ? 'search' : 'text', name, value: draft[name], placeholder, list, spellcheck: false, onInput: set(name) }),
    );
  const select = (name: keyof Filters, label: string, options: Array<[string, string]>) =>
    h(
      'label',
      { class: `field field-${name}` },
      h('span', null, label),
      h('select', { name, value: draft[name], onChange: set(name) }, options.map(([v, l]) => h('option', { value: v }, l))),
    );
  const dirty = FIELDS.some((n) => draft[n] !== filters[n]);
  const isDefault = FIELDS.every((n) => filters[n] === EMPTY_FILTERS[n]);

  return h(
    'form',
    {
      class: 'filters card',
      role: 'search',
      onSubmit: (e: Event) => {
        e.preventDefault();
        onApply(draft);
      },
    },
    select('range', 'Time', [
      ['15m', 'Last 15 minutes'],
      ['1h', 'Last hour'],
      ['24h', 'Last 24 hours'],
      ['7d', 'Last 7 days'],
      ['30d', 'Last 30 days'],
      ['all', 'All time'],
      ['custom', 'Custom…'],
    ]),
    draft.range === 'custom'
      ? [
          h('label', { class: 'field' }, h('span', null, 'From'), h('input', { type: 'datetime-local', name: 'from', value: draft.from, onInput: set('from') })),
          h('label', { class: 'field' }, h('span', null, 'To'), h('input', { type: 'datetime-local', name: 'to', value: draft.to, onInput: set('to') })),
        ]
      : null,
    text('model', 'Model', 'any', 'dl-models'),
    text('provider', 'Provider', 'any', 'dl-providers'),
    text('status', 'Status', '200 or 4xx'),
    text('principal', 'Principal', 'any', 'dl-principals'),
    select('outcome', 'Outcome', [
      ['', 'any'],
      ['ok', 'ok'],
      ['error', 'error'],
      ['client_closed', 'client closed'],
    ]),
    select('stream', 'Stream', [
      ['', 'any'],
      ['true', 'stream'],
      ['false', 'non-stream'],
    ]),
    text('q', 'Search bodies', 'text in prompts and answers'),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: dirty ? 'btn btn-primary' : 'btn' }, 'Apply'),
      isDefault && !dirty ? null : h('button', { type: 'button', class: 'btn btn-ghost', onClick: () => onApply({ ...EMPTY_FILTERS }) }, 'Reset'),
    ),
    datalist('dl-models', suggestions.models),
    datalist('dl-providers', suggestions.providers),
    datalist('dl-principals', suggestions.principals),
  );
}

function datalist(id: string, values: string[]): ComponentChild {
  return h('datalist', { id }, values.map((v) => h('option', { key: v, value: v })));
}
