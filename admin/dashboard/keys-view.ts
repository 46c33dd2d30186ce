/**
 * The managed keys (the auth plugin's admin API): each with its limits, and what it spent today
 * and this month (UTC) against its budgets. Read-only: keys are made and changed with
 * `node core keys` or the admin API. Refreshed on demand and every 30 s while shown.
 */
import { h, type ComponentChild } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { AuthError, type Api } from './api.ts';
import { formatDateTime, formatUsd } from './format.ts';
import type { KeyListing } from './types.ts';

const REFRESH_MS = 30_000;

interface KeysViewProps {
  api: Api;
  onApiError: (err: unknown) => void;
}

export function KeysView({ api, onApiError }: KeysViewProps): ComponentChild {
  const [keys, setKeys] = useState<KeyListing[] | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.keys().then(
      (data) => {
        setKeys(data);
        setError(null);
      },
      (err) => (err instanceof AuthError ? onApiError(err) : setError((err as Error).message)),
    );
  }, [api, onApiError]);

  useEffect(() => {
    load();
    const timer = setInterval(load, REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  return h(
    'main',
    { class: 'page', 'data-testid': 'keys' },
    error ? h('p', { class: 'banner banner-error', role: 'alert' }, error) : null,
    h(
      'section',
      { class: 'card table-card' },
      h(
        'div',
        { class: 'card-head' },
        h('h2', null, 'Keys'),
        h('span', { class: 'muted' }, 'Spend is counted when a request ends; days and months are UTC.'),
        h('span', { class: 'spacer' }),
        h('button', { type: 'button', class: 'btn btn-small', onClick: load }, 'Refresh'),
      ),
      keys === undefined
        ? h('p', { class: 'empty' }, 'Loading…')
        : keys === null
          ? h('p', { class: 'empty' }, 'No key store here: the auth plugin is not configured.')
          : keys.length === 0
            ? h('p', { class: 'empty' }, 'No managed keys. Create one with: node core keys create --name <name> --budget-day 10')
            : h(KeyTable, { keys }),
    ),
  );
}

function KeyTable({ keys }: { keys: KeyListing[] }): ComponentChild {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'requests keys-table' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          h('th', null, 'Name'),
          h('th', null, 'Id'),
          h('th', null, 'Status'),
          h('th', null, 'Models'),
          h('th', { class: 'num' }, 'RPM'),
          h('th', { class: 'num' }, 'TPM'),
          h('th', null, 'Today (UTC)'),
          h('th', null, 'This month (UTC)'),
          h('th', null, 'Expires'),
        ),
      ),
      h('tbody', null, keys.map((k) => h(KeyRow, { key: k.id, k }))),
    ),
  );
}

function KeyRow({ k }: { k: KeyListing }): ComponentChild {
  const cls = k.status === 'active' ? 'ok' : 'bad';
  return h(
    'tr',
    { 'data-id': k.id },
    h('td', { class: 'principal' }, k.name, k.admin ? h('span', { class: 'chip chip-effort' }, 'admin') : null),
    h('td', { class: 'mono' }, k.id),
    h('td', null, h('span', { class: `outcome outcome-${cls}` }, k.status)),
    h('td', { class: 'mono' }, k.models?.join(', ') ?? '*'),
    h('td', { class: 'num' }, k.rpm ?? '—'),
    h('td', { class: 'num' }, k.tpm ?? '—'),
    h('td', { 'data-testid': 'spend-day' }, h(Spend, { spent: k.spend.day, budget: k.budgetDay })),
    h('td', { 'data-testid': 'spend-month' }, h(Spend, { spent: k.spend.month, budget: k.budgetMonth })),
    h('td', null, k.expiresAt ? formatDateTime(Date.parse(k.expiresAt)) : h('span', { class: 'muted' }, 'never')),
  );
}

/** What was spent, and against a budget a bar that turns red once it is spent (requests are then refused). */
function Spend({ spent, budget }: { spent: number; budget: number | null }): ComponentChild {
  if (budget === null) return h('span', null, formatUsd(spent), h('span', { class: 'muted' }, ' · no budget'));
  const share = Math.min(1, spent / budget);
  const over = spent >= budget;
  return h(
    'span',
    { class: over ? 'spend spend-over' : 'spend', title: over ? 'Budget spent: requests are refused until it resets' : `${Math.round(share * 100)}% of the budget` },
    h('span', { class: 'spend-text' }, `${formatUsd(spent)} of ${formatUsd(budget)}`),
    h('span', { class: 'spend-bar' }, h('span', { class: 'spend-fill', style: { width: `${share * 100}%` } })),
  );
}
