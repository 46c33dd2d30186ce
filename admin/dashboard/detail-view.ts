/**
 * One request in full: what it was, what it cost, how its effort was mapped, the answer it produced
 * (reconstructed from the stream when it streamed), and its trail in four columns side by side.
 */
import { h, type ComponentChild, type ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { AuthError, type Api } from './api.ts';
import { CapturedBodyView } from './body-view.ts';
import { AnswerView, hasAnswer } from './answer-view.ts';
import { formatDateTime, formatMs, formatNumber } from './format.ts';
import { JsonTree } from './json-tree.ts';
import { OutcomeChip, StatusBadge, costCell, effortOf } from './requests-view.ts';
import { BASE_PATH } from './routes.ts';
import type { Attempt } from 'aurora';
import type { AuditDetail, BodyView, PartExtras, Reconstructed, TrailView } from './types.ts';

interface DetailViewProps {
  api: Api;
  id: string;
  navigate: (path: string) => void;
  onApiError: (err: unknown) => void;
}

export function DetailView({ api, id, navigate, onApiError }: DetailViewProps): ComponentChild {
  const [record, setRecord] = useState<AuditDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stale = false;
    api.request(id).then(
      (r) => !stale && setRecord(r),
      (err) => {
        if (stale) return;
        if (err instanceof AuthError) onApiError(err);
        else setError((err as Error).message);
      },
    );
    return () => {
      stale = true;
    };
  }, [api, id]);

  const back = h(
    'a',
    {
      class: 'back',
      href: BASE_PATH,
      onClick: (e: MouseEvent) => {
        e.preventDefault();
        // Came here from the list inside the app: go back to it as it was (filters, scroll).
        if ((history.state as { inApp?: boolean } | null)?.inApp) history.back();
        else navigate(BASE_PATH);
      },
    },
    '← All requests',
  );
  if (error) return h('main', { class: 'page detail' }, back, h('p', { class: 'banner banner-error', role: 'alert' }, error));
  if (!record) return h('main', { class: 'page detail' }, back, h('p', { class: 'empty' }, 'Loading…'));
  return h('main', { class: 'page detail', 'data-testid': 'detail' }, back, h(Detail, { r: record }));
}

function Detail({ r }: { r: AuditDetail }): ComponentChild {
  const effort = r.annotations?.effort as Record<string, unknown> | undefined;
  // What the client got; the upstream's answer when the gateway sent nothing readable.
  const answer = [r.reconstructed, r.trail?.clientResponse.reconstructed, r.trail?.upstreamResponse?.reconstructed].find(hasAnswer);
  const attempts = attemptsOf(r.annotations);
  const otherAnnotations = Object.fromEntries(Object.entries(r.annotations ?? {}).filter(([k]) => k !== 'effort' && k !== 'attempts'));
  return h(
    'div',
    null,
    h(
      'div',
      { class: 'detail-head' },
      h('h1', null, h('span', { class: 'method' }, r.method), ' ', h('span', { class: 'mono' }, r.path)),
      h(StatusBadge, { status: r.status }),
      h(OutcomeChip, { outcome: r.outcome }),
      r.stream ? h('span', { class: 'chip' }, 'stream') : null,
      h('span', { class: 'spacer' }),
      h('code', { class: 'req-id', title: 'request id (x-request-id)' }, r.id),
    ),
    r.error ? h('p', { class: 'banner banner-error' }, h('strong', null, r.error.code), ': ', r.error.message) : null,
    h(
      'div',
      { class: 'detail-cards' },
      h(
        'section',
        { class: 'card facts' },
        fact('Time', formatDateTime(r.time)),
        fact('Duration', formatMs(r.durationMs)),
        fact('TTFB', formatMs(r.ttfbMs)),
        fact('Principal', r.principal ? `${r.principal.name ?? r.principal.id}${r.principal.name ? ` (${r.principal.id})` : ''}` : '—'),
        fact('Endpoint', r.endpoint ?? '—'),
        fact('Model', r.model ?? '—', true),
        fact('Provider', r.provider ?? '—'),
        fact('Upstream model', r.upstreamModel ?? '—', true),
        fact('Answer id', r.answerId ?? '—', true),
      ),
      h(
        'section',
        { class: 'card usage', 'data-testid': 'usage' },
        h('h2', null, 'Usage'),
        r.usage
          ? h(
              'dl',
              { class: 'usage-grid' },
              usage('input', r.usage.input_tokens),
              usage('cached', r.usage.cached_tokens),
              usage('output', r.usage.output_tokens),
              usage('reasoning', r.usage.reasoning_tokens),
              usage('total', r.usage.total_tokens),
              r.usage.cache_creation_tokens ? usage('cache written', r.usage.cache_creation_tokens) : null,
            )
          : h('p', { class: 'muted' }, 'No usage reported.'),
        h('p', { class: 'cost-line', 'data-testid': 'cost' }, h('span', { class: 'fact-label' }, 'Cost '), r.usage ? costCell(r) : '—'),
      ),
      h(
        'section',
        { class: 'card effort', 'data-testid': 'effort' },
        h('h2', null, 'Reasoning effort'),
        effort
          ? h(
              'div',
              null,
              h('p', { class: 'effort-map' }, h('span', { class: 'chip' }, String(effort.from ?? '∅')), ' → ', h('span', { class: 'chip chip-effort' }, String(effort.to ?? '∅'))),
              effort.pattern ? h('p', { class: 'muted small' }, 'rule ', h('code', null, String(effort.pattern))) : null,
            )
          : h('p', { class: 'muted' }, effortOf(r.annotations) ?? 'Not mapped.'),
        Object.keys(otherAnnotations).length ? h('div', { class: 'annotations' }, h('h3', null, 'Annotations'), h(JsonTree, { value: otherAnnotations, openDepth: 1 })) : null,
      ),
    ),
    attempts ? h(AttemptsView, { attempts }) : null,
    answer ? h(ReconstructedView, { rec: answer, stream: r.stream }) : null,
    h(Trail, { trail: r.trail }),
  );
}

const OUTCOME_CLASS = { ok: 'outcome outcome-ok', failed: 'outcome outcome-bad', skipped: 'chip chip-warn' } as const;

function attemptsOf(annotations: Record<string, unknown> | null | undefined): Attempt[] | null {
  const list = annotations?.attempts;
  return Array.isArray(list) && list.length ? (list as Attempt[]) : null;
}

/** Which routes were tried, in order: which one served, which failed or were skipped, and why. */
function AttemptsView({ attempts }: { attempts: Attempt[] }): ComponentChild {
  return h(
    'section',
    { class: 'card attempts', 'data-testid': 'attempts' },
    h('h2', null, `Attempts (${attempts.length})`),
    h(
      'table',
      { class: 'kv attempts-table' },
      h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'Model'), h('th', null, 'Target'), h('th', null, 'Outcome'), h('th', null, 'Why'), h('th', null, 'Time'))),
      h(
        'tbody',
        null,
        attempts.map((a, i) =>
          h(
            'tr',
            { class: `attempt attempt-${a.outcome}` },
            h('td', null, String(i + 1)),
            h('td', { class: 'mono' }, a.model),
            h('td', { class: 'mono' }, a.target ?? a.provider ?? '—'),
            h('td', null, h('span', { class: OUTCOME_CLASS[a.outcome] }, a.outcome)),
            h('td', null, [a.status === undefined ? null : String(a.status), a.reason ?? null].filter(Boolean).join(' · ') || '—'),
            h('td', null, a.ms === undefined ? '—' : formatMs(a.ms)),
          ),
        ),
      ),
    ),
  );
}

function fact(label: string, value: string, mono = false): ComponentChild {
  return h('div', { class: 'fact' }, h('span', { class: 'fact-label' }, label), h('span', { class: mono ? 'fact-value mono' : 'fact-value' }, value));
}

function usage(label: string, n: number | undefined): ComponentChild {
  return h('div', { class: 'usage-item' }, h('dt', null, label), h('dd', null, formatNumber(n ?? 0)));
}

function ReconstructedView({ rec, stream }: { rec: Reconstructed; stream: boolean }): ComponentChild {
  return h(
    'section',
    { class: 'card reconstructed', 'data-testid': 'reconstructed' },
    h('h2', null, stream ? 'Answer (reconstructed from the stream)' : 'Answer'),
    h(AnswerView, { rec }),
  );
}

function Trail({ trail }: { trail: TrailView | null }): ComponentChild {
  if (!trail) return h('section', { class: 'card' }, h('h2', null, 'Trail'), h('p', { class: 'muted' }, 'Bodies were not captured for this request.'));
  const up = trail.upstreamRequest;
  const down = trail.upstreamResponse;
  return h(
    'section',
    { class: 'trail', 'data-testid': 'trail' },
    h(TrailColumn, { step: 1, title: 'Client request', sub: null, part: trail.clientRequest, id: 'client-request' }),
    up
      ? h(TrailColumn, { step: 2, title: 'Upstream request', sub: h('span', { class: 'mono url' }, up.url), part: up, id: 'upstream-request' })
      : h(EmptyColumn, { step: 2, title: 'Upstream request', text: 'Not sent: the gateway answered by itself.', id: 'upstream-request' }),
    down
      ? h(TrailColumn, { step: 3, title: 'Upstream response', sub: h(StatusBadge, { status: down.status }), part: down, id: 'upstream-response' })
      : h(EmptyColumn, { step: 3, title: 'Upstream response', text: up ? 'No response from upstream.' : 'No upstream call.', id: 'upstream-response' }),
    h(TrailColumn, {
      step: 4,
      title: 'Client response',
      sub: h(StatusBadge, { status: trail.clientResponse.status }),
      part: trail.clientResponse,
      id: 'client-response',
    }),
  );
}

interface TrailColumnProps {
  step: number;
  title: string;
  sub: ComponentChildren;
  part: { headers: Record<string, string>; body: BodyView | null } & PartExtras;
  id: string;
}

function TrailColumn({ step, title, sub, part, id }: TrailColumnProps): ComponentChild {
  const entries = Object.entries(part.headers ?? {});
  return h(
    'article',
    { class: 'trail-col', 'data-testid': id },
    h('header', { class: 'trail-head' }, h('span', { class: 'step' }, String(step)), h('h3', null, title), sub),
    h(
      'details',
      { class: 'headers' },
      h('summary', null, `Headers (${entries.length})`),
      entries.length
        ? h(
            'table',
            { class: 'kv' },
            h('tbody', null, entries.map(([k, v]) => h('tr', { key: k }, h('th', null, k), h('td', null, v)))),
          )
        : h('p', { class: 'muted small' }, 'none'),
    ),
    h(CapturedBodyView, {
      body: part.body,
      events: part.events ?? part.body?.events ?? null,
      answer: hasAnswer(part.reconstructed) ? part.reconstructed : null,
      label: title.toLowerCase(),
    }),
  );
}

function EmptyColumn({ step, title, text, id }: { step: number; title: string; text: string; id: string }): ComponentChild {
  return h(
    'article',
    { class: 'trail-col trail-col-empty', 'data-testid': id },
    h('header', { class: 'trail-head' }, h('span', { class: 'step' }, String(step)), h('h3', null, title)),
    h('p', { class: 'muted small' }, text),
  );
}
