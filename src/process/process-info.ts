import type { ProcessState } from '../state-machine/states.js';
import type { ResolvedSpawnOptions } from './process-config.js';
import type { ProcessExit, ProcessInfo } from './types.js';

/** ManagedProcess.info: a copy of everything, so that a host may keep or send it as it likes. */
export function processInfo(
  id: string,
  o: ResolvedSpawnOptions,
  state: ProcessState,
  pid: number | undefined,
  terminalSize: { cols: number; rows: number } | undefined,
  times: { createdAt: number; startedAt: number | null; endedAt: number | null },
  outputBytes: number,
  restarts: number,
  exit: ProcessExit | null,
): ProcessInfo {
  return {
    id,
    command: o.command,
    args: [...o.args],
    cwd: o.cwd,
    label: o.label,
    type: o.type,
    scope: o.scope ? { ...o.scope } : undefined,
    metadata: { ...o.metadata },
    state,
    pid,
    stdin: o.stdin,
    shell: o.shell,
    pty: o.pty ? { cols: terminalSize?.cols ?? o.pty.cols, rows: terminalSize?.rows ?? o.pty.rows, ...(o.pty.tmux ? { tmux: { ...o.pty.tmux } } : {}) } : null,
    ...times,
    outputBytes,
    restarts,
    persist: o.persist,
    exit: exit ? { ...exit } : null,
  };
}
