import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { useManager } from '../helpers/use-manager.js';

// `npm test` builds first (pretest); this checks the published declarations against the built
// JavaScript, and runs publint and Are The Types Wrong on the package as npm would pack it.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = `${root}dist/`;
// The root entry stays reviewable at a glance; subpaths hold the optional parts.
const MAX_ROOT_NAMES = 60;
// Created by the library only (pm.spawn(), pm.agents.spawn(), pm.agents, p.output): their constructors are
// @internal or private.
const NOT_CONSTRUCTED_BY_HOSTS = new Set(['ManagedProcess', 'AgentRun', 'AgentHost', 'OutputBuffer']);
// publint and attw each pack the package first.
const TOOL_TIMEOUT_MS = 120_000;

interface Condition {
  types: string;
  default: string;
}
const exportsMap = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { exports: Record<string, string | Record<'import' | 'require', Condition>> }).exports;
const entries = Object.entries(exportsMap).flatMap(([subpath, target]) => (typeof target === 'string' ? [] : (['import', 'require'] as const).map((how) => ({ subpath, how, ...target[how] }))));
const declarationFiles = readdirSync(dist).filter((f) => /\.d\.c?ts$/.test(f));

// One program over every entry's declarations, resolved as a consumer on Node 20 would.
const program = ts.createProgram(
  entries.map((e) => join(root, e.types)),
  { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, types: ['node'], noEmit: true },
);
const checker = program.getTypeChecker();

/** Every name a declaration file exports, and whether it promises a value (not only a type). */
function declaredExports(file: string): { name: string; value: boolean }[] {
  const source = program.getSourceFile(join(root, file));
  if (!source) throw new Error(`${file} is not in the program`);
  const module = checker.getSymbolAtLocation(source)!;
  return checker.getExportsOfModule(module).map((symbol) => {
    const typeOnly = (symbol.declarations ?? []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly));
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return { name: symbol.name, value: !typeOnly && (target.flags & ts.SymbolFlags.Value) !== 0 };
  });
}

async function runtimeExports(file: string, how: 'import' | 'require'): Promise<string[]> {
  const path = join(root, file);
  const loaded = how === 'import' ? await import(pathToFileURL(path).href) : createRequire(import.meta.url)(path);
  return Object.keys(loaded as object).sort();
}

/**
 * What a declaration file shows that only the library uses: members of a class or interface keyed
 * by a symbol of the library (`Class.[KEY]`; `Symbol.iterator` and the like are not counted) and
 * public constructors of the classes hosts never construct (`Class.constructor`).
 */
function internalMembers(file: string): string[] {
  const source = program.getSourceFile(dist + file)!;
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if ((ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) && node.name) {
      const owner = node.name.text;
      for (const member of node.members) {
        const name = member.name;
        if (name && ts.isComputedPropertyName(name) && ts.isIdentifier(name.expression)) found.push(`${owner}.[${name.expression.text}]`);
        // A `private constructor();` says as much without showing the library's parameters.
        const isPrivate = ts.canHaveModifiers(member) && (ts.getModifiers(member)?.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword) ?? false);
        if (ts.isConstructorDeclaration(member) && !isPrivate && NOT_CONSTRUCTED_BY_HOSTS.has(owner)) found.push(`${owner}.constructor`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const newManager = useManager();

async function run(command: string, args: string[]): Promise<{ state: string; code: number | null; out: string }> {
  const p = newManager().spawn({
    command,
    args,
    cwd: root,
    env: { npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' },
    timeoutMs: TOOL_TIMEOUT_MS,
    output: { maxBytes: 4 * 1024 * 1024 },
  });
  const exit = await p.exited;
  return { state: exit.state, code: exit.code, out: p.output.read().data.toString() };
}

describe('published declarations', () => {
  it('compile as a consumer resolves them', () => {
    const problems = declarationFiles.flatMap((f) => program.getSourceFile(dist + f) ?? []).flatMap((s) => program.getSemanticDiagnostics(s));
    expect(problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  });

  it.each(entries.filter((e) => e.subpath === '.'))(`the root entry (%s) exports at most ${MAX_ROOT_NAMES} names`, ({ types }) => {
    const names = declaredExports(types).map((e) => e.name);
    expect(names.length, names.join(', ')).toBeLessThanOrEqual(MAX_ROOT_NAMES);
    expect(names).not.toContain('DEFAULTS');
    expect(names).not.toContain('LIVE_STATES');
  });

  it.each(entries.map((e) => [`${e.subpath} (${e.how})`, e] as const))('%s: the values it declares are those its JavaScript exports', async (_name, e) => {
    const values = declaredExports(e.types)
      .filter((d) => d.value)
      .map((d) => d.name)
      .sort();
    expect(values).toEqual(await runtimeExports(e.default, e.how));
  });

  it.each(declarationFiles)('%s declares nothing internal', (file) => {
    const text = readFileSync(dist + file, 'utf8');
    // A key of a symbol of the library's own; the well-known ones (an async iterator) are public protocol.
    expect(text).not.toMatch(/\[Symbol(?!\.(?:asyncIterator|iterator|asyncDispose|dispose)\])/);
    expect(text).not.toMatch(/\bResolved[A-Z]\w*/);
    expect(text).not.toContain('ProcessHooks');
    expect(text).not.toMatch(/declare const brand\b/);
    expect(internalMembers(file)).toEqual([]);
  });
});

describe('package lint', () => {
  it(
    'publint --strict finds nothing',
    async () => {
      const { state, out } = await run(`${root}node_modules/.bin/publint`, ['--strict']);
      expect(state, out).toBe('completed');
      expect(out).toContain('All good!');
    },
    TOOL_TIMEOUT_MS + 10_000,
  );

  // node16 (CommonJS and ESM consumers) and bundler resolution; node10 predates `exports`, and the
  // package needs Node ≥ 20.
  it(
    'Are The Types Wrong finds no problem for node16 and bundler resolution (attw --pack)',
    async () => {
      const { state, out } = await run(`${root}node_modules/.bin/attw`, ['--pack', '.', '--profile', 'node16', '--format', 'table-flipped']);
      expect(state, out).toBe('completed');
      for (const subpath of Object.keys(exportsMap)) expect(out).toContain(subpath === '.' ? 'procward' : `procward/${subpath.slice(2)}`);
    },
    TOOL_TIMEOUT_MS + 10_000,
  );
});
