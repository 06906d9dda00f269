/**
 * procward: run and supervise child processes. The root entry holds what a host needs to run
 * processes: the manager, the state table, the errors and the types of its options and events.
 * Optional parts have entries of their own (src/entries/): `procward/agents`, `procward/parsers`
 * and `procward/spool`. Each name is exported explicitly; nothing else is public.
 */
export { ProcessManager } from './registry/process-manager.js';
export type { ManagerEvents } from './registry/manager-events.js';
export type { ManagedProcess } from './process/managed-process.js'; // created only by pm.spawn()
export type { OutputBuffer, OutputChunk } from './output/output-buffer.js'; // p.output
export type { ProcessEvents, ProcessExit, ProcessInfo, OrphansFound, OutputLine, RestartScheduled, IdleReport } from './process/types.js';
export type { WaitOptions, OutputWaitOptions } from './process/wait-for.js';
export { PROCESS_STATES, TERMINAL_STATES, TRANSITIONS, canTransition, isTerminal, type ProcessState, type StateChange, type StateReason, type ExitReason } from './state-machine/states.js';
export { SpawnOptionsSchema, ManagerOptionsSchema, StopOptionsSchema, type SpawnOptions, type ManagerOptions, type StopOptions, type Scope } from './options/schemas.js';
export type { ListFilter } from './registry/list-filter.js';
export type { ProcessMetrics } from './monitor/tree-metrics.js';
export type { CpuHigh } from './monitor/process-monitor.js';
export type { ManagerMetrics } from './monitor/aggregate.js';
export type { AdmissionEvent } from './admission/admission-gate.js';
export type { RecoveryReport } from './ledger/recover.js';
export type { Screen } from './pty/terminal-screen.js';
export { ErrorCode } from './errors/codes.js';
export { isProcwardError, type ProcwardErrorOf } from './entries/error-map.js';
// The subclasses are types only: isProcwardError(e, code) narrows to them and works across copies
// of the package, where `instanceof` does not. Those listed add fields a host reads; the others
// (NOT_RUNNING, NOT_FOUND, …) carry nothing but the base's, and ProcwardErrorOf<code> names them.
export {
  ProcwardError,
  type InvalidOptionsError,
  type SpawnFailedError,
  type LimitReachedError,
  type InvalidTransitionError,
  type StopFailedError,
  type ListenerError,
  type LedgerCorruptError,
} from './errors/procward-error.js';
export type { PtyUnavailableError } from './errors/pty-unavailable-error.js';
export type { WaitFailedError } from './errors/wait-failed-error.js';
