/**
 * The import graph the folder tree promises: core ← plugins ← admin, examples (tests and
 * benchmarks may import anything). Core imports no plugin; a plugin reaches the core only through
 * `aurora` entries and another plugin only through its public entry; no cycle between top-level
 * folders or between plugins. Read from the source files themselves.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.ts';

const SCANNED = ['core', 'plugins', 'admin', 'examples'];
const IMPORT = /(?:^|[^.\w])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|[^.\w])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

interface Edge {
  file: string;
  spec: string;
  /** Where the import lands: a top-level folder, or `plugins/<name>`; undefined for packages. */
  to: string | undefined;
  /** Through a public entry (`aurora`, `aurora/…`) rather than a relative path. */
  publicEntry: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs|js)$/.test(e.name) && !e.parentPath.includes('node_modules'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).replaceAll('\\', '/'));
}

/** `core`, `admin`, `examples`, … or `plugins/<name>` for a path inside the repository. */
function areaOf(path: string): string {
  const [top, second] = path.split('/');
  return top === 'plugins' && second ? `plugins/${second}` : top!;
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const edges: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3]!;
    if (spec.startsWith('.')) {
      edges.push({ file, spec, to: areaOf(relative(ROOT, resolve(ROOT, dirname(file), spec)).replaceAll('\\', '/')), publicEntry: false });
    } else if (spec === 'aurora' || spec.startsWith('aurora/')) {
      const plugin = /^aurora\/plugins\/([\w-]+)$/.exec(spec);
      edges.push({ file, spec, to: plugin ? `plugins/${plugin[1]}` : 'core', publicEntry: true });
    } else edges.push({ file, spec, to: undefined, publicEntry: false });
  }
  return edges;
}

const files = SCANNED.flatMap(sourceFiles);
const edges = files.flatMap(edgesOf).filter((e) => e.to !== undefined);
const from = (e: Edge) => areaOf(e.file);
const top = (area: string) => area.split('/')[0]!;
const show = (list: Edge[]) => list.map((e) => `${e.file} → ${e.spec}`);

describe('the import graph', () => {
  it('reads the sources it checks', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(edges.some((e) => from(e).startsWith('plugins/') && e.to === 'core')).toBe(true);
  });

  it('core imports nothing outside core', () => {
    expect(show(edges.filter((e) => from(e) === 'core' && e.to !== 'core'))).toEqual([]);
  });

  it('a plugin reaches the core through `aurora` entries only, never by a relative path', () => {
    expect(show(edges.filter((e) => from(e).startsWith('plugins/') && e.to === 'core' && !e.publicEntry))).toEqual([]);
  });

  it('a plugin imports another plugin only through its public entry, and never admin, examples or tests', () => {
    const wrong = edges.filter((e) => {
      const area = from(e);
      if (!area.startsWith('plugins/')) return false;
      if (e.to === area || e.to === 'core') return false;
      return !(e.to!.startsWith('plugins/') && e.publicEntry);
    });
    expect(show(wrong)).toEqual([]);
  });

  it('admin and examples import the core and plugins through public entries only', () => {
    const wrong = edges.filter((e) => {
      const area = from(e);
      if (area !== 'admin' && area !== 'examples') return false;
      if (e.to === area) return false;
      return !((e.to === 'core' || e.to!.startsWith('plugins/')) && e.publicEntry);
    });
    expect(show(wrong)).toEqual([]);
  });

  it('no cycle between top-level folders or between plugins', () => {
    const graph = new Map<string, Set<string>>();
    const add = (a: string, b: string) => {
      if (a === b) return;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    };
    for (const e of edges) {
      add(top(from(e)), top(e.to!));
      if (from(e).startsWith('plugins/') && e.to!.startsWith('plugins/')) add(from(e), e.to!);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (node: string, path: string[]) => {
      if (state.get(node) === 'done') return;
      if (state.get(node) === 'open') return void cycles.push([...path.slice(path.indexOf(node)), node].join(' → '));
      state.set(node, 'open');
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
      state.set(node, 'done');
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
