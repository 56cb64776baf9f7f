/**
 * The direction of imports (docs/architecture.md), checked on the import graph that the
 * TypeScript compiler reads from each file: lower layers never import from higher ones,
 * and no module imports itself back through others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** Each file's imports of other project files (type-only imports count: they are arrows too). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    const targets = info.importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => path.resolve(path.dirname(file), name).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

const rel = (file: string) => path.relative(SRC, file);
const under = (file: string, folder: string) => rel(file).startsWith(`${folder}/`);

function dialectFolders(): string[] {
  return fs
    .readdirSync(path.join(SRC, 'dialects'), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `dialects/${e.name}`);
}

/** The edges and modules above the services: no lower layer imports them. */
const UPPER = ['http', 'dialects', 'query', 'admin', 'cli', 'sources', 'profiles', 'console', 'stream'];

/** Lower layers, and the folders they may not import from. */
const FORBIDDEN: Record<string, readonly string[]> = {
  domain: [...UPPER, 'storage', 'store', 'log', 'catalog', 'enrichment', 'ingest', 'live', 'auth', 'ops'],
  storage: [...UPPER, 'store', 'log', 'catalog', 'live'],
  store: [...UPPER, 'catalog', 'live', 'ingest'],
  log: [...UPPER, 'catalog', 'store', 'live', 'ingest'],
  catalog: [...UPPER, 'auth', 'enrichment', 'store', 'log', 'live'],
  enrichment: [...UPPER, 'store', 'log', 'live'],
  ingest: UPPER,
  http: UPPER.filter((f) => f !== 'http'),
  // The SDK dialects' shared capability: below the dialects (it implements the module
  // contract of dialects/dialect.ts, and no dialect's code), beside admin.
  sources: [...dialectFolders(), 'query', 'admin', 'cli', 'live', 'profiles', 'console', 'stream'],
  // User profiles: kept from every dialect's events, so it knows none of them.
  profiles: [...dialectFolders(), 'query', 'admin', 'cli', 'sources', 'console', 'stream'],
  // The console's sign-in and pages: an edge, which no dialect or lower layer needs.
  console: [...dialectFolders(), 'query', 'admin', 'cli', 'live', 'sources', 'profiles', 'stream'],
  // Live views of the log: beside the query API, knowing no dialect.
  stream: [...dialectFolders(), 'admin', 'cli', 'live', 'sources', 'profiles', 'console'],
};

test('lower layers do not import from higher ones', () => {
  const wrong: string[] = [];
  for (const [file, targets] of importGraph()) {
    for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
      if (!under(file, layer)) continue;
      for (const t of targets)
        if (forbidden.some((f) => under(t, f))) wrong.push(`${rel(file)} -> ${rel(t)}`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('no import cycles', () => {
  const graph = importGraph();
  const state = new Map<string, 'visiting' | 'done'>();
  const cycles: string[] = [];
  const visit = (file: string, trail: string[]) => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') {
      cycles.push([...trail.slice(trail.indexOf(file)), file].map(rel).join(' -> '));
      return;
    }
    state.set(file, 'visiting');
    for (const t of graph.get(file) ?? []) visit(t, [...trail, file]);
    state.set(file, 'done');
  };
  for (const file of graph.keys()) visit(file, []);
  assert.deepEqual(cycles, []);
});

/**
 * The files a module loads when it is loaded: its import declarations and re-exports, as
 * the TypeScript parser sees them, without `import()` (loaded later, if ever) and
 * without type-only imports (erased).
 */
function staticImports(file: string): string[] {
  const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  return source.statements.flatMap((s) => {
    if (ts.isImportDeclaration(s) && s.importClause?.isTypeOnly) return [];
    if (ts.isExportDeclaration(s) && s.isTypeOnly) return [];
    const spec =
      (ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) && s.moduleSpecifier
        ? (s.moduleSpecifier as ts.StringLiteral).text
        : null;
    return spec?.startsWith('.') ? [path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts')] : [];
  });
}

test('the dialect list stays light: a manifest loads its module (routes, engines) only when opened', () => {
  const reached = new Set<string>();
  const visit = (file: string) => {
    if (reached.has(file)) return;
    reached.add(file);
    for (const t of staticImports(file)) visit(t);
  };
  visit(path.join(SRC, 'dialects', 'dialects.ts'));
  const heavy = [...reached]
    .map(rel)
    .filter((f) => /\.(routes|module)\.ts$|\/(sqlite|postgres|duckdb)\//.test(f));
  assert.deepEqual(heavy, []);
});

test('every import names a file that exists', () => {
  const missing = [...importGraph()].flatMap(([file, targets]) =>
    targets.filter((t) => !fs.existsSync(t)).map((t) => `${rel(file)} -> ${rel(t)}`),
  );
  assert.deepEqual(missing, []);
});
