import type { ProcwardError } from '../errors/procward-error.js';
import type { CpuHigh } from '../monitor/process-monitor.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import type { OutputChunk } from '../output/output-buffer.js';
import type { StateChange } from '../state-machine/states.js';
import type { IdleReport, OrphansFound, OutputLine, ProcessExit, RestartScheduled } from './types.js';

/**
 * How a process reports to its manager: each of its events, with the process first, called after
 * the process's own listeners. Generic in the process type so that this file needs no import of
 * the class that calls it.
 */
export interface ProcessHooks<P> {
  state(p: P, change: StateChange): void;
  output(p: P, chunk: OutputChunk): void;
  line(p: P, line: OutputLine): void;
  /** Lines are split only while someone listens for them: the process's listeners or these. */
  wantsLines(): boolean;
  exit(p: P, exit: ProcessExit): void;
  error(p: P, error: ProcwardError): void;
  orphans(p: P, found: OrphansFound): void;
  metrics(p: P, metrics: ProcessMetrics): void;
  cpuHigh(p: P, high: CpuHigh): void;
  idle(p: P, idle: IdleReport): void;
  restart(p: P, restart: RestartScheduled): void;
  /** A leader was spawned (`running`), or its attempt is over and nothing of its tree is left to guard. */
  leader(p: P, pid: number, running: boolean): void;
}
