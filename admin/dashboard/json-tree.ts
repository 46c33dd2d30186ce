/**
 * A small collapsible JSON tree. Every value is rendered as a text node (never as markup), so a
 * body holding `<script>` shows the characters. Children are only rendered once opened, which keeps
 * a 1 MB body with thousands of nodes cheap until someone looks inside.
 */
import { h, type ComponentChild, type ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

const LONG_STRING = 600;

export interface JsonTreeProps {
  value: unknown;
  /** Levels open at first (0 = only the root's summary). */
  openDepth?: number;
}

export function JsonTree({ value, openDepth = 2 }: JsonTreeProps): ComponentChild {
  return h('div', { class: 'json-tree', role: 'tree' }, h(JsonNode, { value, depth: 0, openDepth, label: null, last: true }));
}

/**
 * How many levels to open so that about `budget` rows show: a small body opens fully, a 1 MB Codex
 * request opens only as far as its outline.
 */
export function autoDepth(value: unknown, budget = 400, max = 12): number {
  let level: unknown[] = [value];
  let shown = 1;
  for (let depth = 0; depth < max; depth++) {
    const next: unknown[] = [];
    for (const v of level) {
      if (v === null || typeof v !== 'object') continue;
      for (const child of Array.isArray(v) ? v : Object.values(v)) {
        next.push(child);
        // Stop counting early: a huge array needs no exact size to say "too many".
        if (shown + next.length > budget) return Math.max(1, depth);
      }
    }
    if (!next.length) return depth + 1;
    shown += next.length;
    level = next;
  }
  return max;
}

interface NodeProps {
  value: unknown;
  depth: number;
  openDepth: number;
  label: ComponentChildren;
  last: boolean;
}

function JsonNode({ value, depth, openDepth, label, last }: NodeProps): ComponentChild {
  const comma = last ? null : h('span', { class: 'j-punct' }, ',');
  const key = label === null ? null : h('span', { class: 'j-key' }, label, h('span', { class: 'j-punct' }, ': '));
  if (value !== null && typeof value === 'object') return h(Branch, { value: value as object, depth, openDepth, label: key, comma });
  return h('div', { class: 'j-row', role: 'treeitem' }, key, h(Leaf, { value }), comma);
}

function Leaf({ value }: { value: unknown }): ComponentChild {
  if (typeof value === 'string') return h(LongString, { text: value });
  if (typeof value === 'number') return h('span', { class: 'j-num' }, String(value));
  if (typeof value === 'boolean') return h('span', { class: 'j-bool' }, String(value));
  if (value === null) return h('span', { class: 'j-null' }, 'null');
  return h('span', { class: 'j-null' }, String(value));
}

function LongString({ text }: { text: string }): ComponentChild {
  const [full, setFull] = useState(false);
  const cut = !full && text.length > LONG_STRING;
  return h(
    'span',
    { class: 'j-str' },
    '"',
    cut ? text.slice(0, LONG_STRING) : text,
    cut ? h('button', { type: 'button', class: 'j-more', onClick: () => setFull(true) }, `… show all ${text.length} chars`) : null,
    '"',
  );
}

interface BranchProps {
  value: object;
  depth: number;
  openDepth: number;
  label: ComponentChildren;
  comma: ComponentChildren;
}

function Branch({ value, depth, openDepth, label, comma }: BranchProps): ComponentChild {
  const isArray = Array.isArray(value);
  const entries: Array<[string, unknown]> = isArray ? (value as unknown[]).map((v, i) => [String(i), v]) : Object.entries(value);
  const [open, setOpen] = useState(depth < openDepth && entries.length > 0);
  const [brOpen, brClose] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return h('div', { class: 'j-row' }, label, h('span', { class: 'j-punct' }, brOpen + brClose), comma);
  const count = isArray ? `${entries.length} item${entries.length === 1 ? '' : 's'}` : `${entries.length} key${entries.length === 1 ? '' : 's'}`;
  const toggle = h(
    'button',
    { type: 'button', class: 'j-toggle', 'aria-expanded': open, onClick: () => setOpen(!open), title: open ? 'Collapse' : 'Expand' },
    open ? '▾' : '▸',
  );
  if (!open) {
    return h(
      'div',
      { class: 'j-row', role: 'treeitem', 'aria-expanded': false },
      toggle,
      label,
      h('button', { type: 'button', class: 'j-summary', onClick: () => setOpen(true) }, `${brOpen} ${count} ${brClose}`),
      comma,
    );
  }
  return h(
    'div',
    { class: 'j-branch', role: 'treeitem', 'aria-expanded': true },
    h('div', { class: 'j-row' }, toggle, label, h('span', { class: 'j-punct' }, brOpen)),
    h(
      'div',
      { class: 'j-children', role: 'group' },
      entries.map(([k, v], i) =>
        h(JsonNode, { key: k, value: v, depth: depth + 1, openDepth, label: isArray ? null : k, last: i === entries.length - 1 }),
      ),
    ),
    h('div', { class: 'j-row' }, h('span', { class: 'j-punct' }, brClose), comma),
  );
}
