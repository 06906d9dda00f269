import { readFileSync } from 'node:fs';
import { HAS_PROC, type ProcEntry } from '../tree/proc-table.js';

/** The command line of a process (its argv joined), or `[comm]` when it has none (a kernel thread, a zombie). */
export function commandLine(e: ProcEntry): string {
  if (!HAS_PROC) return e.comm;
  try {
    const args = readFileSync(`/proc/${e.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return args.length > 0 ? args.join(' ') : `[${e.comm}]`;
  } catch {
    return `[${e.comm}]`;
  }
}
