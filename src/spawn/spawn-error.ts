import { stat } from 'node:fs/promises';
import { getSystemErrorMap } from 'node:util';
import { SpawnFailedError } from '../errors/procward-error.js';

/** "E2BIG" → "argument list too long": the OS's own words for an errno name. */
function describeErrno(name: string): string | undefined {
  for (const [, [n, message]] of getSystemErrorMap()) if (n === name) return message;
  return undefined;
}

/**
 * The errno name for the text a forked child prints when its exec fails (strerror output, as
 * node-pty's helper prints it): a terminal child has no other way to report it.
 */
export function errnoFromText(text: string): string {
  const lower = text.toLowerCase();
  let best = { name: 'EUNKNOWN', length: 0 };
  // The longest message that occurs wins, so that a short one inside a longer one cannot.
  for (const [, [name, message]] of getSystemErrorMap()) {
    if (message.length > best.length && lower.includes(message.toLowerCase())) best = { name, length: message.length };
  }
  return best.name;
}

/**
 * Turns the OS error of a failed spawn into a message that says what to fix. Node reports a
 * missing cwd as `spawn <command> ENOENT`, the same as a missing command, so the cwd is checked
 * here, on the failure path only, rather than before every spawn.
 */
export async function diagnoseSpawnError(err: NodeJS.ErrnoException, command: string, cwd: string, processId: string): Promise<SpawnFailedError> {
  const errno = err.code;
  const opts = { cause: err, processId, ...(errno ? { errno } : {}) };
  if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EACCES' || errno === 'ELOOP' || errno === 'ENAMETOOLONG') {
    const dir = await stat(cwd).catch(() => undefined);
    if (!dir) return new SpawnFailedError(`Cannot spawn "${command}": cwd "${cwd}" does not exist. Create it or pass an existing directory as cwd.`, 'cwd-not-found', opts);
    if (!dir.isDirectory()) return new SpawnFailedError(`Cannot spawn "${command}": cwd "${cwd}" is not a directory.`, 'cwd-not-found', opts);
  }
  if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'ELOOP' || errno === 'ENAMETOOLONG') {
    const where = !command.includes('/') ? 'it is not on PATH' : errno === 'ENOENT' ? 'no file exists at that path' : `that path cannot be resolved: ${describeErrno(errno)}`;
    return new SpawnFailedError(`Cannot spawn "${command}": command not found (${where}). Check the name, pass an absolute path, or install it.`, 'command-not-found', opts);
  }
  if (errno === 'EACCES') {
    return new SpawnFailedError(`Cannot spawn "${command}": permission denied. Make the file executable (chmod +x) or check access to cwd "${cwd}".`, 'permission-denied', opts);
  }
  if (errno === 'E2BIG') {
    return new SpawnFailedError(
      `Cannot spawn "${command}": its arguments and environment are too large for the OS (E2BIG: a single argument is limited to 128 KiB on Linux, all of them to about a quarter of the stack limit). Pass large data through stdin or a file instead.`,
      'arguments-too-long',
      opts,
    );
  }
  const said = errno ? describeErrno(errno) : undefined;
  return new SpawnFailedError(`Cannot spawn "${command}": ${said ? `${said} (${errno})` : err.message}.`, 'other', opts);
}
