import { closeSync, existsSync, openSync } from 'node:fs';
import { inheritableFds } from '../internal/inheritable-fds.js';

/**
 * node-pty 1.2's forked child marks the descriptors it inherited close-on-exec before exec, but
 * its Linux prebuild does so without close_range(): it walks up from 3 and stops at the first
 * number above 15 that is not open (pty.cc, pty_close_inherited_fds). A terminal master the host
 * holds above such a gap reaches the child. Gaps come and go (a terminal that closes leaves one),
 * and the child has two more than the host: forkpty closes its copies of the new master and slave,
 * which take the lowest free numbers.
 */
const WALK_ALWAYS_COVERS = 15;

// Where bash may be: the one shell that closes descriptors above 9 (`exec 23<&-`; dash cannot).
const BASH_PATHS = ['/bin/bash', '/usr/bin/bash'];
let bash: string | null | undefined;

/** The lowest descriptor number above 15 that is free now: where the child's walk will stop. */
function firstGapAbove(limit: number): number {
  const taken: number[] = [];
  try {
    // Each open takes the lowest free number.
    for (;;) {
      const fd = openSync('/dev/null', 'r');
      taken.push(fd);
      if (fd > limit) return fd;
    }
  } finally {
    for (const fd of taken) closeSync(fd);
  }
}

export interface GuardedFork {
  command: string;
  args: string[];
  /** To be called once the fork is done. */
  release(): void;
}

/**
 * What to fork so that no master held by the host reaches the new terminal child. Usually the
 * command itself: masters below the first gap are covered by node-pty's walk. When one is above,
 * the command is exec'd through `bash --posix -c 'exec "$0" "$@" 23<&- …'`, which closes exactly
 * those (same pid, same argv; about 2 ms more, and only then; --posix reads no BASH_ENV; bash adds
 * PWD and SHLVL to the environment when they are missing). Without
 * bash, the gaps below the highest master are filled with /dev/null for the fork instead, which
 * puts the new master above the others (so later masters climb while terminals overlap).
 */
export function guardFork(command: string, args: string[]): GuardedFork {
  const unchanged = { command, args, release() {} };
  const held = inheritableFds();
  if (process.platform !== 'linux' || held.length === 0) return unchanged;
  const gap = firstGapAbove(WALK_ALWAYS_COVERS);
  const missed = held.filter((fd) => fd > gap);
  if (missed.length === 0) return unchanged;
  bash ??= BASH_PATHS.find((p) => existsSync(p)) ?? null;
  if (bash) {
    const closes = missed.map((fd) => `${fd}<&-`).join(' ');
    return { command: bash, args: ['--posix', '-c', `exec "$0" "$@" ${closes}`, command, ...args], release() {} };
  }
  const top = held[held.length - 1]!;
  const fillers: number[] = [];
  for (let fd = openSync('/dev/null', 'r'); ; fd = openSync('/dev/null', 'r')) {
    fillers.push(fd);
    if (fd > top) break;
  }
  return { command, args, release: () => fillers.forEach((fd) => closeSync(fd)) };
}
