/**
 * One captured body: JSON as a tree, a stream as its event list, anything else as text, each with
 * a raw view. Truncated captures are marked. All content is rendered as text nodes.
 */
import { h, type ComponentChild } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { formatBytes, tryParseJson } from './format.ts';
import { autoDepth, JsonTree } from './json-tree.ts';
import { AnswerView } from './answer-view.ts';
import type { BodyView, Reconstructed, SseEventView } from './types.ts';

type Mode = 'tree' | 'events' | 'raw' | 'answer';

/** Events shown before "show all": a long stream has one event per token. */
const EVENT_PAGE = 200;

interface CapturedBodyProps {
  body: BodyView | null;
  /** The body parsed as server-sent events, when it is a stream. */
  events: SseEventView[] | null;
  /** The answer the body carries (response parts). */
  answer: Reconstructed | null;
  label: string;
}

export function CapturedBodyView({ body, events, answer, label }: CapturedBodyProps): ComponentChild {
  const parsed = useMemo(() => (body && !events ? tryParseJson(body.text) : undefined), [body, events]);
  const [mode, setMode] = useState<Mode>(events ? 'events' : parsed ? 'tree' : 'raw');
  const initialDepth = useMemo(() => (parsed ? autoDepth(parsed.value) : 1), [parsed]);
  const [depth, setDepth] = useState(initialDepth);
  const [generation, setGeneration] = useState(0);

  if (!body) return h('p', { class: 'empty small' }, `No ${label} body.`);
  // Audio, images and uploads are counted, not kept.
  if (body.omitted) return h('p', { class: 'empty small', 'data-testid': 'omitted' }, `${body.omitted} body, ${formatBytes(body.bytes)}: not kept (binary or upload).`);
  const modes: Array<[Mode, string]> = events ? [['events', `Events (${events.length})`], ['raw', 'Raw']] : parsed ? [['tree', 'JSON'], ['raw', 'Raw']] : [['raw', 'Text']];
  if (answer) modes.push(['answer', 'Answer']);
  const expandAll = (d: number) => {
    setDepth(d);
    setGeneration((g) => g + 1);
  };

  return h(
    'div',
    { class: 'body' },
    h(
      'div',
      { class: 'body-bar' },
      h(
        'div',
        { class: 'seg', role: 'tablist' },
        modes.map(([m, text]) =>
          h('button', { type: 'button', role: 'tab', 'aria-selected': mode === m, class: mode === m ? 'seg-on' : '', onClick: () => setMode(m) }, text),
        ),
      ),
      h('span', { class: 'muted small' }, formatBytes(body.bytes)),
      body.truncated
        ? h('span', { class: 'chip chip-warn', title: `Only the first ${formatBytes(body.text.length)} were kept (capture limit)` }, 'truncated')
        : null,
      h('span', { class: 'spacer' }),
      mode === 'tree' ? h('button', { type: 'button', class: 'link-btn', onClick: () => expandAll(depth > initialDepth ? initialDepth : 99) }, depth > initialDepth ? 'collapse' : 'expand all') : null,
      h(CopyButton, { text: body.text }),
    ),
    mode === 'tree' && parsed
      ? h(JsonTree, { key: generation, value: parsed.value, openDepth: depth })
      : mode === 'events' && events
        ? h(EventList, { events })
        : mode === 'answer' && answer
          ? h(AnswerView, { rec: answer })
          : h('pre', { class: 'raw' }, body.text),
    body.truncated ? h('p', { class: 'trunc-mark' }, '… truncated at the capture limit') : null,
  );
}

function EventList({ events }: { events: SseEventView[] }): ComponentChild {
  const [all, setAll] = useState(false);
  const shown = all ? events : events.slice(0, EVENT_PAGE);
  return h(
    'div',
    { class: 'events' },
    h(
      'ol',
      { class: 'event-list' },
      shown.map((e, i) => h(EventRow, { key: i, e, index: i })),
    ),
    !all && events.length > EVENT_PAGE
      ? h('button', { type: 'button', class: 'link-btn', onClick: () => setAll(true) }, `show all ${events.length} events`)
      : null,
  );
}

function EventRow({ e, index }: { e: SseEventView; index: number }): ComponentChild {
  const [open, setOpen] = useState(false);
  const parsed = useMemo(() => (typeof e.data === 'string' ? tryParseJson(e.data) : { value: e.data }), [e.data]);
  const text = useMemo(() => (typeof e.data === 'string' ? e.data : JSON.stringify(e.data)), [e.data]);
  // Responses events repeat their type inside the data; Chat chunks have no event name at all.
  const name = e.event ?? (parsed && typeof (parsed.value as { type?: unknown })?.type === 'string' ? (parsed.value as { type: string }).type : null);
  const short = useMemo(() => previewOf(parsed?.value, text), [parsed, text]);
  const preview = short.length > 140 ? `${short.slice(0, 140)}…` : short;
  return h(
    'li',
    { class: open ? 'event open' : 'event' },
    h(
      'button',
      { type: 'button', class: 'event-head', 'aria-expanded': open, onClick: () => setOpen(!open), disabled: !parsed && text.length <= 140 },
      h('span', { class: 'event-idx' }, String(index + 1)),
      name ? h('span', { class: 'event-name' }, name) : null,
      open ? null : h('span', { class: 'event-preview' }, preview),
    ),
    open ? (parsed ? h(JsonTree, { value: parsed.value, openDepth: 3 }) : h('pre', { class: 'raw' }, text)) : null,
  );
}

/** What tells events apart at a glance: the delta a token event carries, else the data without its repeated type. */
function previewOf(value: unknown, text: string): string {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return text;
  const v = value as Record<string, unknown>;
  if (typeof v.delta === 'string') return JSON.stringify(v.delta);
  const choice = Array.isArray(v.choices) ? (v.choices[0] as { delta?: unknown } | undefined) : undefined;
  if (choice?.delta && typeof choice.delta === 'object' && Object.keys(choice.delta).length) return JSON.stringify(choice.delta);
  const { type: _type, ...rest } = v;
  return JSON.stringify(rest);
}

function CopyButton({ text }: { text: string }): ComponentChild {
  const [done, setDone] = useState(false);
  return h(
    'button',
    {
      type: 'button',
      class: 'link-btn',
      onClick: () =>
        navigator.clipboard?.writeText(text).then(
          () => {
            setDone(true);
            setTimeout(() => setDone(false), 1200);
          },
          () => undefined,
        ),
    },
    done ? 'copied' : 'copy',
  );
}
