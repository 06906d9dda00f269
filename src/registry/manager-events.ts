import type { AdmissionEvent } from '../admission/admission-gate.js';
import type { ProcwardError } from '../errors/procward-error.js';
import type { CpuHigh } from '../monitor/process-monitor.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import type { OutputChunk } from '../output/output-buffer.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { IdleReport, OrphansFound, OutputLine, ProcessExit, RestartScheduled } from '../process/types.js';
import type { StateChange } from '../state-machine/states.js';

/**
 * A manager's events. Every event of every process reaches it as `(process, payload)`, the payload
 * being what the process's own event passes; `error` alone puts the error first, since it also
 * reports failures that concern no process.
 */
export interface ManagerEvents {
  spawn: [process: ManagedProcess];
  state: [process: ManagedProcess, change: StateChange];
  output: [process: ManagedProcess, chunk: OutputChunk];
  /** Lines of every process, split only while a listener for them is registered here or on the process. */
  line: [process: ManagedProcess, line: OutputLine];
  exit: [process: ManagedProcess, exit: ProcessExit];
  orphans: [process: ManagedProcess, found: OrphansFound];
  metrics: [process: ManagedProcess, metrics: ProcessMetrics];
  /** A process's tree used more CPU than its maxCpuPercent for cpuWindowMs; once per episode. */
  'cpu-high': [process: ManagedProcess, high: CpuHigh];
  /** A process printed nothing for its idleTimeoutMs; once per silence. */
  idle: [process: ManagedProcess, idle: IdleReport];
  /** An attempt ended and the process will be started again (state `backoff`). */
  restart: [process: ManagedProcess, restart: RestartScheduled];
  /** An exited process left the registry (remove(), or retainExited pushed it out). */
  remove: [process: ManagedProcess];
  /** Queued spawns are held because the host is over an admission limit (`held: true`), or go ahead again. */
  admission: [event: AdmissionEvent];
  /** Pids killed by the final sweep of shutdown(): descendants that had escaped every tree. */
  swept: [pids: number[]];
  /**
   * A failure nobody could be told of otherwise: the error, and the process it is about when there
   * is one (a spawn failure, a throwing listener of a process, a failed stdin). With no listener
   * here, a throwing listener (LISTENER_FAILED) is printed as a process warning.
   */
  error: [error: ProcwardError, process: ManagedProcess | undefined];
}
