import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/** tmux's ids of a pane and what holds it; ids do not change when things are renamed. */
export interface PaneIds {
  /** "$3" */
  session: string;
  /** "@3" */
  window: string;
  /** "%3" */
  pane: string;
  /** The pane's own process: the trampoline, for a session procward started. */
  panePid: number;
  /** The tmux server's. */
  serverPid: number;
}

/** The format that prints a pane's ids, for -P -F and display-message -p. */
export const IDS_FORMAT = '#{session_id} #{window_id} #{pane_id} #{pane_pid} #{pid}';

const IDS = /^(\$\d+) (@\d+) (%\d+) (\d+) (\d+)(?: (\d+) (\d+))?$/;

/** Reads IDS_FORMAT's line, optionally followed by " <width> <height>". */
export function parsePaneIds(line: string | undefined): (PaneIds & { cols?: number; rows?: number }) | undefined {
  const m = IDS.exec(line?.trim() ?? '');
  if (!m) return undefined;
  const ids = { session: m[1]!, window: m[2]!, pane: m[3]!, panePid: Number(m[4]), serverPid: Number(m[5]) };
  return m[6] ? { ...ids, cols: Number(m[6]), rows: Number(m[7]) } : ids;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

/** "15" → SIGTERM, as tmux prints #{pane_dead_signal}. */
export function signalName(n: number | undefined): NodeJS.Signals | null {
  return n === undefined ? null : (SIGNAL_NAMES.get(n) ?? null);
}

/** The first child of `pid` (Linux), for a session adopted before its command's pid was recorded. */
export function firstChildPid(pid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${pid}/task/${pid}/children`, 'latin1').trim().split(' ')[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
