import { lstatSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/**
 * `root` joined with `parts`, resolved, or undefined if the result is not strictly inside `root`
 * (a part that is `..`, absolute, or climbs out by any other spelling). A lexical check: see
 * symlinkedDir for the directories on the way.
 */
export function pathInside(root: string, ...parts: string[]): string | undefined {
  const base = resolve(root);
  const path = resolve(base, ...parts);
  const rel = relative(base, path);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return path;
}

/**
 * Why a path below `root` cannot be trusted to stay there, or undefined: each directory that
 * exists from `root` (exclusive) down to `path` (inclusive) must be a real directory, not a
 * symbolic link (which would take a recursive delete or a read to wherever it points) and not a
 * file, FIFO or device. Missing ones are fine: nothing is there yet.
 */
export function untrustedDir(root: string, path: string): string | undefined {
  const base = resolve(root);
  const rel = relative(base, resolve(path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return `${path} is not inside ${base}`;
  let at = base;
  for (const part of rel.split(sep)) {
    at = `${at}${sep}${part}`;
    let st;
    try {
      st = lstatSync(at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      return `${at} cannot be examined: ${(err as Error).message}`;
    }
    if (st.isSymbolicLink()) return `${at} is a symbolic link`;
    if (!st.isDirectory()) return `${at} is not a directory`;
  }
  return undefined;
}
