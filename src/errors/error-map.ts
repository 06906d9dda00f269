import type { AgentExitError, AgentResultError, AgentStoppedError, SessionBusyError, SessionNotFoundError } from './agent-errors.js';
import type { ErrorCode } from './codes.js';
import type {
  InvalidOptionsError,
  InvalidTransitionError,
  LedgerCorruptError,
  LimitReachedError,
  ListenerError,
  NotFoundError,
  NotRunningError,
  NotSupportedError,
  ProcwardError,
  ShuttingDownError,
  SpawnFailedError,
  StdinFailedError,
  StdinUnavailableError,
  StopFailedError,
} from './procward-error.js';
import type { PtyUnavailableError } from './pty-unavailable-error.js';
import type { WaitFailedError } from './wait-failed-error.js';

// Every code, and no other key: a code added to ErrorCode without a row here fails to compile.
type EveryCode<M extends { [C in ErrorCode]: ProcwardError } & Record<Exclude<keyof M, ErrorCode>, never>> = M;

/**
 * The error classes that carry each code. A code with no class of its own is a plain
 * `ProcwardError`. Some codes are also raised as a plain `ProcwardError` by code that reads files
 * (`NOT_FOUND` for a missing spool directory): the classes of those codes add no member to the
 * base, so the narrowed type describes them as well.
 */
export type ProcwardErrorMap = EveryCode<{
  INVALID_OPTIONS: InvalidOptionsError;
  SPAWN_FAILED: SpawnFailedError;
  NOT_RUNNING: NotRunningError;
  /** An unknown process id, or (`sessionId` set) an agent session no run of this manager has. */
  NOT_FOUND: NotFoundError | SessionNotFoundError;
  LIMIT_REACHED: LimitReachedError;
  SHUTTING_DOWN: ShuttingDownError;
  INVALID_TRANSITION: InvalidTransitionError;
  STOP_FAILED: StopFailedError;
  NOT_SUPPORTED: NotSupportedError;
  STDIN_UNAVAILABLE: StdinUnavailableError;
  STDIN_FAILED: StdinFailedError;
  LISTENER_FAILED: ListenerError;
  OUTPUT_FAILED: ProcwardError;
  CHILD_ERROR: ProcwardError;
  AGENT_ERROR: AgentResultError;
  AGENT_EXITED: AgentExitError;
  AGENT_STOPPED: AgentStoppedError;
  SESSION_BUSY: SessionBusyError;
  LEDGER_CORRUPT: LedgerCorruptError;
  STATE_FAILED: ProcwardError;
  INTERNAL_FAILED: ProcwardError;
  PTY_UNAVAILABLE: PtyUnavailableError;
  WAIT_FAILED: WaitFailedError;
}>;

/**
 * The error a code stands for, with `code` narrowed to it: what `isProcwardError(e, code)` proves.
 * A union of codes gives the union of their errors, discriminated on `code`.
 * @example
 * function report(e: ProcwardErrorOf<'STOP_FAILED'>) {
 *   for (const s of e.survivors) console.error(`${s.pid} outlived SIGKILL (state ${s.state ?? '?'})`);
 * }
 */
export type ProcwardErrorOf<C extends ErrorCode> = C extends ErrorCode ? ProcwardErrorMap[C] & { readonly code: C } : never;
