import { openSync } from 'node:fs';
import type { StdioOptions } from 'node:child_process';

/**
 * Descriptors the library holds that a child would inherit: terminal masters. node-pty's fork()
 * returns the master without FD_CLOEXEC, and Node has no fcntl() to set it; reopening does not
 * help either (opening /dev/ptmx, or /proc/self/fd/N of a master, makes a new terminal). Every
 * other descriptor the library opens (the slave "hold", spools, the ledger, pipes) comes from
 * libuv, which opens with O_CLOEXEC.
 *
 * So every child the library spawns through child_process gets, at the number of each master, a
 * copy of /dev/null instead (an entry of its stdio array: libuv dup2()s it over the inherited
 * master in the child before exec). libuv can replace an inherited descriptor in the child but
 * not close it, so the child sees /dev/null there.
 *
 * Terminal children are forked by node-pty, not child_process: see pty/fork-guard.ts.
 *
 * Shared by every copy of procward loaded in the process, through a registry-wide symbol; a host's
 * own child_process spawns still inherit the masters (there is no way to reach them from here).
 */
const registry = Symbol.for('procward.inheritableFds');
const fds: Set<number> = ((globalThis as Record<symbol, Set<number> | undefined>)[registry] ??= new Set());

let devNull: number | undefined;

/** `fd` lacks FD_CLOEXEC and stays open until forgetInheritable(fd), called once it is closed. */
export function holdInheritable(fd: number): void {
  fds.add(fd);
}

export function forgetInheritable(fd: number): void {
  fds.delete(fd);
}

/** The descriptors held now, for tests and diagnostics. */
export function inheritableFds(): number[] {
  return [...fds].sort((a, b) => a - b);
}

/**
 * `stdio` for child_process.spawn, extended so that none of the held descriptors reaches the
 * child: each one's number gets /dev/null, every other extra entry is 'ignore' (left as it is).
 * Unchanged when nothing is held, so a host without terminals spawns exactly as before.
 */
export function shieldStdio(stdio: StdioOptions): StdioOptions {
  if (fds.size === 0) return stdio;
  const base = typeof stdio === 'string' ? [stdio, stdio, stdio] : [...stdio];
  devNull ??= openSync('/dev/null', 'r+');
  const top = Math.max(...fds);
  for (let fd = base.length; fd <= top; fd++) base[fd] = fds.has(fd) ? devNull : 'ignore';
  return base as StdioOptions;
}
