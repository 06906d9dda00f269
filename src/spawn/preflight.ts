import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function failure(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code, path, syscall: 'spawn' });
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks, before a terminal is forked, that cwd is a directory and that the command resolves to an
 * executable on the child's PATH. A pseudo-terminal child reports a failed exec only as text on
 * the terminal and exit code 1; checking first turns those into the same typed errors as pipes.
 * Returns the OS-style error, or undefined when the spawn can go ahead.
 *
 * Synchronous on purpose: the fork that follows is synchronous too and its exec walks the same
 * directories, and a few stat calls (~10 µs) cost less than the event-loop turns async ones take.
 */
export function preflightSpawn(command: string, cwd: string, env: Record<string, string>): NodeJS.ErrnoException | undefined {
  const dir = statSync(cwd, { throwIfNoEntry: false });
  if (!dir?.isDirectory()) return failure(dir ? 'ENOTDIR' : 'ENOENT', cwd);
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), command));
  let sawFile = false;
  for (const file of candidates) {
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue;
    sawFile = true;
    if (isExecutable(file)) return undefined;
  }
  return failure(sawFile ? 'EACCES' : 'ENOENT', command);
}
