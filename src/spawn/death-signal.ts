import { accessSync, constants } from 'node:fs';

// util-linux's setpriv sets PR_SET_PDEATHSIG and then execs the command: the same pid, no
// process left in between, and no native code of ours.
const CANDIDATES = ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv', '/sbin/setpriv'];
let found: string | null | undefined;

/** Path of setpriv, or null where it is missing (or the platform has no PR_SET_PDEATHSIG). */
export function setprivPath(): string | null {
  if (found !== undefined) return found;
  found = null;
  if (process.platform !== 'linux') return found;
  for (const path of CANDIDATES) {
    try {
      accessSync(path, constants.X_OK);
      found = path;
      break;
    } catch {
      /* next */
    }
  }
  return found;
}

/**
 * The argv that runs `command args` with SIGKILL as its parent-death signal: the kernel kills the
 * leader the moment the host's thread that spawned it ends, however the host died. With `shell`,
 * the command line is the shell's, as Node itself would build it.
 */
export function withDeathSignal(setpriv: string, command: string, args: string[], shell: boolean | string): { command: string; args: string[] } {
  const argv = shell ? [typeof shell === 'string' ? shell : '/bin/sh', '-c', [command, ...args].join(' ')] : [command, ...args];
  return { command: setpriv, args: ['--pdeathsig', 'KILL', '--', ...argv] };
}
