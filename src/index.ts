/**
 * procward: run and supervise child processes.
 * This file is the package's only public entry; everything a host may use is exported here.
 */
export { ProcessManager, type ManagerEvents, type ListFilter } from './registry/index.js';
export { ManagedProcess } from './process/managed-process.js';
export type { ProcessExit, ProcessInfo, ProcessEvents, OrphansFound } from './process/types.js';
export {
  OutputBuffer,
  type OutputChunk,
  type OutputStream,
  type ReadResult,
  type ReadOptions,
  type FollowOptions,
  type FollowedChunk,
} from './output/index.js';
export {
  PROCESS_STATES,
  TERMINAL_STATES,
  LIVE_STATES,
  TRANSITIONS,
  canTransition,
  isTerminal,
  type ProcessState,
  type StateChange,
  type StateReason,
  type StopReason,
} from './state-machine/index.js';
export {
  ManagerOptionsSchema,
  SpawnOptionsSchema,
  StopOptionsSchema,
  OutputOptionsSchema,
  ScopeSchema,
  ListFilterSchema,
  SignalNameSchema,
  DEFAULTS,
  type ManagerOptions,
  type SpawnOptions,
  type StopOptions,
  type OutputOptions,
  type OrphanPolicy,
  type Scope,
  type ProcessType,
  type SignalName,
} from './options/index.js';
export {
  ErrorCode,
  ProcwardError,
  InvalidOptionsError,
  SpawnFailedError,
  NotRunningError,
  NotFoundError,
  LimitReachedError,
  ShuttingDownError,
  InvalidTransitionError,
  StopFailedError,
  NotSupportedError,
  StdinUnavailableError,
  StdinFailedError,
  ListenerError,
  type OptionIssue,
  type SpawnFailureKind,
  type Survivor,
} from './errors/index.js';
export { TREE_ENV } from './tree/index.js';
