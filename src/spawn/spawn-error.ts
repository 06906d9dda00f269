import { stat } from 'node:fs/promises';
import { SpawnFailedError } from '../errors/procward-error.js';

/**
 * Turns the OS error of a failed spawn into a message that says what to fix. Node reports a
 * missing cwd as `spawn <command> ENOENT`, the same as a missing command, so the cwd is checked
 * here, on the failure path only, rather than before every spawn.
 */
export async function diagnoseSpawnError(err: NodeJS.ErrnoException, command: string, cwd: string, processId: string): Promise<SpawnFailedError> {
  const errno = err.code;
  const opts = { cause: err, processId, ...(errno ? { errno } : {}) };
  if (errno === 'ENOENT' || errno === 'ENOTDIR' || errno === 'EACCES') {
    const dir = await stat(cwd).catch(() => undefined);
    if (!dir) return new SpawnFailedError(`Cannot spawn "${command}": cwd "${cwd}" does not exist. Create it or pass an existing directory as cwd.`, 'cwd-not-found', opts);
    if (!dir.isDirectory()) return new SpawnFailedError(`Cannot spawn "${command}": cwd "${cwd}" is not a directory.`, 'cwd-not-found', opts);
  }
  if (errno === 'ENOENT') {
    const where = command.includes('/') ? 'no file exists at that path' : 'it is not on PATH';
    return new SpawnFailedError(`Cannot spawn "${command}": command not found (${where}). Check the name, pass an absolute path, or install it.`, 'command-not-found', opts);
  }
  if (errno === 'EACCES') {
    return new SpawnFailedError(`Cannot spawn "${command}": permission denied. Make the file executable (chmod +x) or check access to cwd "${cwd}".`, 'permission-denied', opts);
  }
  return new SpawnFailedError(`Cannot spawn "${command}": ${err.message}`, 'other', opts);
}
