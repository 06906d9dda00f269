import { ErrorCode } from './codes.js';

/**
 * @internal A registry-wide symbol, so that two copies of the package (a host and a plugin each
 * bundling procward) still recognise each other's errors where `instanceof` would fail. Hosts test
 * for it with isProcwardError, so it is kept out of the published declarations.
 */
const brand = Symbol.for('procward.error');

/** Base class of every error the library throws, rejects with or emits. */
export class ProcwardError extends Error {
  /** @internal */
  readonly [brand] = true;
  readonly code: ErrorCode;
  /** The process the error is about, when there is one. */
  readonly processId?: string;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; processId?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    if (options?.processId !== undefined) this.processId = options.processId;
  }

  /** Plain object for logs and IPC: errors do not serialise through JSON.stringify. */
  toJSON(): { name: string; code: ErrorCode; message: string; processId?: string } {
    return { name: this.name, code: this.code, message: this.message, ...(this.processId ? { processId: this.processId } : {}) };
  }
}

export interface OptionIssue {
  path: string;
  message: string;
}

export class InvalidOptionsError extends ProcwardError {
  readonly issues: OptionIssue[];
  constructor(what: string, issues: OptionIssue[]) {
    const detail = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    super(ErrorCode.INVALID_OPTIONS, `Invalid ${what}: ${detail}`);
    this.issues = issues;
  }
}

export type SpawnFailureKind = 'command-not-found' | 'cwd-not-found' | 'permission-denied' | 'arguments-too-long' | 'other';

export class SpawnFailedError extends ProcwardError {
  readonly kind: SpawnFailureKind;
  /** errno code from the OS, e.g. ENOENT, EACCES. */
  readonly errno?: string;
  constructor(message: string, kind: SpawnFailureKind, options: { cause?: unknown; processId?: string; errno?: string }) {
    super(ErrorCode.SPAWN_FAILED, message, options);
    this.kind = kind;
    if (options.errno !== undefined) this.errno = options.errno;
  }
}

export class NotRunningError extends ProcwardError {
  constructor(message: string, processId?: string) {
    super(ErrorCode.NOT_RUNNING, message, { processId });
  }
}

export class NotFoundError extends ProcwardError {
  constructor(id: string) {
    super(ErrorCode.NOT_FOUND, `No process with id "${id}" is registered (it may never have existed or was removed after exit).`, {
      processId: id,
    });
  }
}

export class LimitReachedError extends ProcwardError {
  readonly limit: number;
  constructor(limit: number) {
    super(ErrorCode.LIMIT_REACHED, `maxProcesses (${limit}) live processes are already registered; stop one or raise maxProcesses.`);
    this.limit = limit;
  }
}

export class ShuttingDownError extends ProcwardError {
  constructor() {
    super(ErrorCode.SHUTTING_DOWN, 'The ProcessManager is shutting down and accepts no new processes; create a new manager.');
  }
}

export class InvalidTransitionError extends ProcwardError {
  readonly from: string;
  readonly to: string;
  constructor(from: string, to: string, processId?: string) {
    super(ErrorCode.INVALID_TRANSITION, `Invalid state transition ${from} → ${to}.`, { processId });
    this.from = from;
    this.to = to;
  }
}

export interface Survivor {
  pid: number;
  /** Kernel state letter from /proc (D = uninterruptible sleep), when known. */
  state?: string;
  command?: string;
}

export class StopFailedError extends ProcwardError {
  readonly survivors: Survivor[];
  constructor(survivors: Survivor[], processId?: string) {
    const list = survivors.map((s) => `${s.pid}${s.command ? ` (${s.command}${s.state ? `, state ${s.state}` : ''})` : ''}`).join(', ');
    super(ErrorCode.STOP_FAILED, `Processes survived SIGKILL: ${list}. They may be in uninterruptible sleep (state D).`, {
      processId,
    });
    this.survivors = survivors;
  }
}

export class NotSupportedError extends ProcwardError {
  constructor(message: string, processId?: string) {
    super(ErrorCode.NOT_SUPPORTED, message, { processId });
  }
}

export class StdinUnavailableError extends ProcwardError {
  constructor(message: string, processId?: string) {
    super(ErrorCode.STDIN_UNAVAILABLE, message, { processId });
  }
}

export class StdinFailedError extends ProcwardError {
  constructor(message: string, cause: unknown, processId?: string) {
    super(ErrorCode.STDIN_FAILED, message, { cause, processId });
  }
}

export class ListenerError extends ProcwardError {
  readonly event: string;
  constructor(event: string, cause: unknown) {
    super(ErrorCode.LISTENER_FAILED, `A listener for "${event}" threw: ${String((cause as Error)?.message ?? cause)}`, { cause });
    this.event = event;
  }
}

/**
 * Whether `value` is a procward error, from this copy of the package or any other (a brand, not
 * `instanceof`), and, given a code, one with that code. The public entry types the same function
 * so that a code narrows to the class that carries it (entries/error-map.ts): this layer knows the
 * core classes only.
 */
export function isProcwardError(value: unknown, code?: ErrorCode): value is ProcwardError {
  return typeof value === 'object' && value !== null && brand in value && (code === undefined || (value as ProcwardError).code === code);
}

/** The ledger cannot be trusted: nothing was touched on its account. */
export class LedgerCorruptError extends ProcwardError {
  readonly path: string;
  constructor(path: string, problem: string, cause?: unknown) {
    super(
      ErrorCode.LEDGER_CORRUPT,
      `The ledger ${path} cannot be read (${problem}); no process was touched. Move it aside to start afresh (its processes will then not be recovered), or restore it.`,
      { cause },
    );
    this.path = path;
  }
}
