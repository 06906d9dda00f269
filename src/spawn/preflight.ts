import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

function failure(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${path}`), { code, path, syscall: 'spawn' });
}

/**
 * stat() that answers "nothing usable there" instead of throwing: besides ENOENT, a PATH entry
 * naming a file (ENOTDIR), a loop of links (ELOOP), a name too long (ENAMETOOLONG) or a directory
 * we may not search (EACCES) all mean the command is not found there.
 */
function statOrError(path: string): { stats?: ReturnType<typeof statSync>; code?: string } {
  try {
    return { stats: statSync(path) };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'ENOENT' };
  }
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
  const dir = statOrError(cwd);
  if (!dir.stats) return failure(dir.code === 'ENOTDIR' ? 'ENOTDIR' : dir.code === 'EACCES' ? 'EACCES' : 'ENOENT', cwd);
  if (!dir.stats.isDirectory()) return failure('ENOTDIR', cwd);
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(cwd, command)]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(isAbsolute(d) ? d : resolve(cwd, d), command));
  let sawFile = false;
  let pathCode = 'ENOENT';
  for (const file of candidates) {
    const found = statOrError(file);
    if (!found.stats?.isFile()) {
      // A command given as a path reports why that one path fails, as execve would.
      if (command.includes('/')) pathCode = found.stats ? 'EACCES' : (found.code ?? 'ENOENT');
      continue;
    }
    sawFile = true;
    if (isExecutable(file)) return undefined;
  }
  return failure(sawFile ? 'EACCES' : pathCode, command);
}

// Linux's exec limits (fs/exec.c): one string (an argument or NAME=value) may be at most 32 pages;
// all strings and their pointers together at most a quarter of the stack limit, capped at 6 MiB
// and never below 32 pages. Beyond them execve fails with E2BIG.
const MAX_ARG_STRLEN = 32 * 4096;
let argLimit: number | undefined;

function totalArgLimit(): number {
  if (argLimit !== undefined) return argLimit;
  let stack = 8 * 1024 * 1024;
  try {
    const line = /^Max stack size\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (line) stack = line[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(line[1]);
  } catch {
    /* not Linux: keep the common default */
  }
  argLimit = Math.max(MAX_ARG_STRLEN, Math.min(6 * 1024 * 1024, stack / 4));
  return argLimit;
}

/**
 * E2BIG before the fork, for the backends whose child can only report a failed exec as text
 * after it was already announced as running (terminals, setpriv). Pipes get it from Node itself.
 */
export function preflightArgSize(command: string, args: readonly string[], env: Record<string, string>): NodeJS.ErrnoException | undefined {
  let total = 0;
  let count = 0;
  const add = (s: string): boolean => {
    const bytes = Buffer.byteLength(s) + 1;
    total += bytes;
    count++;
    return bytes > MAX_ARG_STRLEN;
  };
  if (add(command)) return failure('E2BIG', command);
  for (const a of args) if (add(a)) return failure('E2BIG', command);
  for (const key in env) if (add(`${key}=${env[key]}`)) return failure('E2BIG', command);
  return total + (count + 2) * 8 > totalArgLimit() ? failure('E2BIG', command) : undefined;
}
