/**
 * The two import rules of src/ that ESLint cannot state, checked over every src/**\/*.ts file:
 *
 * 1. No import cycle, `import type` included. import-x/no-cycle (run by ESLint too) skips
 *    type-only imports, yet a type cycle still ties two files together: neither can move or be
 *    split without the other.
 * 2. No upward import: a file imports from its own folder and from folders of lower layers only
 *    (LAYERS below). Folders of one layer do not import each other.
 *
 * Counted: `import … from`, `import type … from`, `export … from`, `import x = require(…)` and
 * `import('…')` in a type. A dynamic `import()` call counts for the layers but not for cycles: a
 * lazy load does not run at import time, which is how a cycle is legitimately broken.
 *
 * Run by `npm run lint` (`tsx scripts/check-imports.ts`); prints each finding and exits 1.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The folders of src/, bottom first; `index.ts` (the public surface) is the top. A new folder
 * must be placed here before anything imports it.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors'], // ProcwardError, the codes: everything may throw them
  ['internal'], // helpers with no procward concept in them: deferred, guarded, next-turn, inheritable descriptors
  ['state-machine', 'output', 'events', 'state-dir'], // the core data structures
  ['options'], // zod schemas and defaults (they name the states)
  ['parsers', 'tree', 'restart', 'admission', 'protocol'], // pure logic and /proc readers that take resolved options; the wire protocol's schemas
  ['spawn', 'monitor'], // starting a child (its env carries the tree markers), sampling a tree
  ['pty', 'tmux', 'spool', 'watchdog'], // the backends and the host watchdog, on top of spawn
  ['process'], // ManagedProcess: one process over all of the above
  ['agents', 'ledger'], // what is built from ManagedProcesses: agent runs, the ledger of a registry
  ['registry'], // ProcessManager
  ['server', 'client'], // the wire protocol served over a transport (createChannel), and its client
  ['entries'], // the subpath entries (procward/agents, …) and the typed error map the entries share
  ['index.ts'], // the public surface
];

/**
 * Edges left out of the cycle check, each `from → to` (paths relative to src/). Keep this empty
 * but for a cycle that is being removed elsewhere.
 */
const CYCLE_EXEMPT: readonly (readonly [string, string])[] = [];

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

interface Reference {
  to: string;
  line: number;
  dynamic: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The src/ file a relative specifier names (`./x.js` is `./x.ts` under NodeNext), or undefined. */
function resolveSpecifier(from: string, specifier: string, known: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), base.replace(/\.mjs$/, '.mts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

function referencesOf(file: string, known: ReadonlySet<string>): Reference[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: Reference[] = [];
  const add = (specifier: ts.Node | undefined, dynamic: boolean) => {
    if (specifier === undefined || !ts.isStringLiteralLike(specifier)) return;
    const to = resolveSpecifier(file, specifier.text, known);
    if (to !== undefined) found.push({ to, line: source.getLineAndCharacterOfPosition(specifier.getStart()).line + 1, dynamic });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier, false);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, false);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal, false);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], true);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const name = (file: string) => relative(SRC, file).split(sep).join('/');

/** The folder of a src/ file, or its own name for a file directly in src/. */
const unitOf = (file: string) => name(file).split('/')[0]!;

/** Strongly connected components of more than one file (or a file importing itself): Tarjan's algorithm. */
function cyclicComponents(graph: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)?.has(v)) components.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components;
}

/** The shortest path from `start` back to itself inside `members` (breadth first). */
function shortestCycle(graph: ReadonlyMap<string, ReadonlySet<string>>, start: string, members: ReadonlySet<string>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i]!;
    for (const w of graph.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const path = [v];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start];
}

function check(): string[] {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const layerOf = new Map<string, number>();
  LAYERS.forEach((units, i) => units.forEach((u) => layerOf.set(u, i)));
  const exempt = new Set(CYCLE_EXEMPT.map(([from, to]) => `${from} ${to}`));
  const problems: string[] = [];
  const graph = new Map<string, Set<string>>();

  for (const file of files) {
    const from = unitOf(file);
    const fromLayer = layerOf.get(from);
    if (fromLayer === undefined) problems.push(`src/${name(file)}: src/${from} has no place in LAYERS (scripts/check-imports.ts): add it to the layer it belongs to`);
    const edges = new Set<string>();
    graph.set(file, edges);
    for (const ref of referencesOf(file, known)) {
      if (!ref.dynamic && !exempt.has(`${name(file)} ${name(ref.to)}`)) edges.add(ref.to);
      const to = unitOf(ref.to);
      const toLayer = layerOf.get(to);
      if (to === from || fromLayer === undefined || toLayer === undefined || toLayer < fromLayer) continue;
      const how = toLayer === fromLayer ? 'the same layer' : 'a higher layer';
      problems.push(`src/${name(file)}:${ref.line}: imports src/${name(ref.to)}: ${to} is in ${how} than ${from} (LAYERS in scripts/check-imports.ts)`);
    }
  }

  for (const component of cyclicComponents(graph)) {
    const cycle = shortestCycle(graph, component[0]!, new Set(component));
    const more = component.length > cycle.length - 1 ? ` (one of the cycles among ${component.length} files: ${component.map((f) => `src/${name(f)}`).join(', ')})` : '';
    problems.push(`import cycle: ${cycle.map((f) => `src/${name(f)}`).join(' → ')}${more}`);
  }
  return problems;
}

const problems = check();
for (const p of problems) console.error(p);
if (problems.length > 0) {
  console.error(`check-imports: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log('check-imports: no import cycle, no upward import in src/');
