// The import graph of module/ (issue 14: layers as a DAG). Reads every module/**/*.ts, resolves its
// relative imports (static, `export … from`, dynamic `import()`), and answers which layer (folder of
// module/) imports which. test/import-graph.test.ts checks it against LAYERS; run this script for
// the grep-able listing: one line `<from> imports <to>: <files>` per arrow.
// Usage: node dist/scripts/import-graph.js [--files]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MODULE_DIR = join(root, 'module');

/**
 * The layers, lowest first: a layer may import only layers of a lower rank. `common` holds the
 * helpers every layer may use (paths, the notify command line); `index` is module/index.ts, the
 * public entry point; `powershell` has no TypeScript.
 */
export const LAYERS: Record<string, number> = {
  api: 0,
  common: 1,
  io: 2,
  engine: 3, server: 3, service: 3, native: 3,
  core: 4,
  cli: 5, index: 5,
};

/** Arrows allowed besides the ranks: the service hosts the engine (same rank, one direction). */
export const ALLOWED_PEERS: readonly string[] = ['service -> engine'];

/** Files outside the service that may load the engine: the composition root (backend selection). */
export const ENGINE_IMPORTERS: readonly string[] = ['core/select-backend.ts'];

export interface ImportEdge {
  /** module-relative path with '/' (e.g. `core/bits-job.ts`). */
  from: string;
  to: string;
  /** `import type` only: erased at run time. */
  typeOnly: boolean;
  /** `import()`: loaded when called, not when the importer loads. */
  dynamic: boolean;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'bin' || name === 'obj' ? [] : tsFiles(p);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [p] : [];
  });
}

const rel = (p: string) => relative(MODULE_DIR, p).split(sep).join('/');

/** Every relative import of every module/**\/*.ts file. */
export function importEdges(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of tsFiles(MODULE_DIR)) {
    const text = readFileSync(file, 'utf8');
    const statics = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm;
    for (const m of text.matchAll(statics)) {
      const spec = m[3]!;
      // `import { type A, type B } from` is type-only as well.
      const clause = m[0].slice(0, m[0].lastIndexOf('from'));
      const braces = clause.match(/\{([^}]*)\}/);
      const allTypes = !!braces && !/^\s*import\s+\w/.test(clause.replace(/^\s*import\s+type/, '')) && braces[1]!.split(',').every((x) => x.trim() === '' || x.trim().startsWith('type '));
      edges.push({ from: rel(file), to: rel(resolveSpec(file, spec)), typeOnly: !!m[2] || (m[1] === 'import' && allTypes), dynamic: false });
    }
    for (const m of text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) {
      edges.push({ from: rel(file), to: rel(resolveSpec(file, m[1]!)), typeOnly: false, dynamic: true });
    }
  }
  return edges;
}

function resolveSpec(file: string, spec: string): string {
  return resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
}

/** The layer of a module-relative path: its first folder, or `index` for module/index.ts. */
export function layerOf(path: string): string {
  return path.includes('/') ? path.slice(0, path.indexOf('/')) : path.replace(/\.ts$/, '');
}

/** Arrows between layers: `from -> to` → the importing files. */
export function layerArrows(edges = importEdges()): Map<string, string[]> {
  const arrows = new Map<string, string[]>();
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === b) continue;
    const key = `${a} -> ${b}`;
    const files = arrows.get(key) ?? [];
    if (!files.includes(e.from)) files.push(e.from);
    arrows.set(key, files);
  }
  return new Map([...arrows].sort(([x], [y]) => x.localeCompare(y)));
}

/** What breaks the layering: unknown layers, arrows upwards or sideways, engine loaded from elsewhere. */
export function layerViolations(edges = importEdges()): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const a = layerOf(e.from);
    const b = layerOf(e.to);
    if (a === b) continue;
    const ra = LAYERS[a];
    const rb = LAYERS[b];
    if (ra === undefined || rb === undefined) {
      out.push(`${e.from} -> ${e.to}: layer ${ra === undefined ? a : b} is not in LAYERS`);
    } else if (rb >= ra && !ALLOWED_PEERS.includes(`${a} -> ${b}`)) {
      out.push(`${e.from} -> ${e.to}: ${a} (rank ${ra}) may not import ${b} (rank ${rb})`);
    } else if (b === 'engine' && a !== 'service' && !ENGINE_IMPORTERS.includes(e.from)) {
      out.push(`${e.from} -> ${e.to}: only the service and ${ENGINE_IMPORTERS.join(', ')} load the engine`);
    }
  }
  return out;
}

/** Circles of files through run-time imports (type-only imports are erased), as `a -> b -> a`. */
export function fileCycles(edges = importEdges()): string[] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) {
      if (state.get(m) === 'open') cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
      else if (!state.has(m)) visit(m);
    }
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of [...next.keys()].sort()) if (!state.has(n)) visit(n);
  return cycles;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const withFiles = process.argv.includes('--files');
  for (const [arrow, files] of layerArrows()) {
    const [a, b] = arrow.split(' -> ');
    console.log(`${a} imports ${b}: ${withFiles ? files.sort().join(' ') : `${files.length} file(s)`}`);
  }
}
