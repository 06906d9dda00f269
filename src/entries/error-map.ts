import type { AgentExitError, AgentResultError, AgentStoppedError, SessionBusyError, SessionNotFoundError } from '../agents/agent-errors.js';
import type { ErrorCode } from '../errors/codes.js';
import {
  isProcwardError as isBranded,
  type InvalidOptionsError,
  type InvalidTransitionError,
  type LedgerCorruptError,
  type LimitReachedError,
  type ListenerError,
  type NotFoundError,
  type NotRunningError,
  type NotSupportedError,
  type ProcwardError,
  type ShuttingDownError,
  type SpawnFailedError,
  type StdinFailedError,
  type StdinUnavailableError,
  type StopFailedError,
} from '../errors/procward-error.js';
import type { PtyUnavailableError } from '../errors/pty-unavailable-error.js';
import type { WaitFailedError } from '../errors/wait-failed-error.js';

// Every code, and no other key: a code added to ErrorCode without a row here fails to compile.
type EveryCode<M extends { [C in ErrorCode]: ProcwardError } & Record<Exclude<keyof M, ErrorCode>, never>> = M;

/**
 * The error classes that carry each code, for the public entries: it names the agent errors too,
 * which is why it lives here, above every layer, and not in errors/. A code with no class of its own is a plain
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

interface IsProcwardError {
  (value: unknown): value is ProcwardError;
  <C extends ErrorCode>(value: unknown, code: C): value is ProcwardErrorOf<C>;
  (value: unknown, code?: ErrorCode): value is ProcwardError;
}

/**
 * Whether `value` is a procward error, from this copy of the package or any other (a brand, not
 * `instanceof`). Given a code, it also checks the code and narrows to the class that carries it
 * (see ProcwardErrorOf): `STOP_FAILED` to StopFailedError with its `survivors`, `SPAWN_FAILED` to
 * SpawnFailedError with its `kind`, and so on.
 * @example
 * try {
 *   await pm.stop(id);
 * } catch (err) {
 *   if (isProcwardError(err, 'STOP_FAILED')) console.error(err.survivors.map((s) => s.pid));
 *   else if (isProcwardError(err, 'NOT_FOUND')) console.error(`no process ${err.processId}`);
 *   else throw err;
 * }
 */
export const isProcwardError: IsProcwardError = isBranded;
