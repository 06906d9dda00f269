import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function failure(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code, path, syscall: 'spawn' });
}

/**
 * Checks, before a terminal is forked, that cwd is a directory and that the command resolves to an
 * executable on the child's PATH. A pseudo-terminal child reports a failed exec only as text on
 * the terminal and exit code 1; checking first turns those into the same typed errors as pipes.
 * Returns the OS-style error, or undefined when the spawn can go ahead.
 */
export async function preflightSpawn(command: string, cwd: string, env: Record<string, string>): Promise<NodeJS.ErrnoException | undefined> {
  const dir = await stat(cwd).catch(() => undefined);
  if (!dir?.isDirectory()) return failure(dir ? 'ENOTDIR' : 'ENOENT', cwd);
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), command));
  let sawFile = false;
  for (const file of candidates) {
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile()) continue;
    sawFile = true;
    if (await access(file, constants.X_OK).then(() => true, () => false)) return undefined;
  }
  return failure(sawFile ? 'EACCES' : 'ENOENT', command);
}
