/**
 * Runs after tsup (npm run build): in the declarations of each entry of package.json `exports`,
 * marks `type` on every exported name that the entry's JavaScript does not export.
 *
 * Why: tsup bundles declarations with rollup-plugin-dts, which writes `export type { SomeClass }`
 * back as `export { SomeClass }` (Swatinem/rollup-plugin-dts#311). The declarations would then
 * promise a value the JavaScript does not have: `new StopFailedError(…)` or `x instanceof
 * ManagedProcess` would compile and fail at run time. The built JavaScript is the truth here, so
 * each entry is loaded (ESM by import, CommonJS by require) and its export names decide.
 * tests/package/package-types.test.ts checks the result.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

interface Condition {
  types: string;
  default: string;
}
type ExportsMap = Record<string, string | { import?: Condition; require?: Condition }>;

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

async function runtimeNames(file: string, how: 'import' | 'require'): Promise<Set<string>> {
  const path = join(root, file);
  const loaded = how === 'import' ? await import(pathToFileURL(path).href) : require(path);
  return new Set(Object.keys(loaded as object));
}

/** Inserts `type ` before each specifier of an `export { … }` whose name is not in `values`. */
function markTypes(text: string, file: string, values: Set<string>): { text: string; marked: string[] } {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const at: number[] = [];
  const marked: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isExportDeclaration(statement) || statement.isTypeOnly) continue;
    const clause = statement.exportClause;
    if (!clause || !ts.isNamedExports(clause)) continue;
    for (const element of clause.elements) {
      if (element.isTypeOnly || values.has(element.name.text)) continue;
      at.push(element.getStart(source));
      marked.push(element.name.text);
    }
  }
  let out = text;
  for (const pos of at.sort((a, b) => b - a)) out = `${out.slice(0, pos)}type ${out.slice(pos)}`;
  return { text: out, marked };
}

const exportsMap = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: ExportsMap }).exports;
for (const [subpath, target] of Object.entries(exportsMap)) {
  if (typeof target === 'string') continue; // ./package.json
  for (const how of ['import', 'require'] as const) {
    const condition = target[how];
    if (!condition) continue;
    const values = await runtimeNames(condition.default, how);
    const file = join(root, condition.types);
    const { text, marked } = markTypes(readFileSync(file, 'utf8'), file, values);
    writeFileSync(file, text);
    console.log(`${condition.types} (${subpath}, ${how}): ${values.size} values; marked as types: ${marked.join(', ') || 'none'}`);
  }
}
