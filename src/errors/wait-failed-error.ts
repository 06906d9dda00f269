import { ErrorCode } from './codes.js';
import { ProcwardError } from './procward-error.js';

/** Why a wait ended without what it waited for. */
export type WaitFailedReason = 'exited' | 'timeout' | 'aborted';

/**
 * `p.waitFor()` / `p.waitForOutput()` gave up: the process ended first (`exited`, with its exit
 * record), `timeoutMs` passed (`timeout`), or the signal aborted (`aborted`, the signal's reason
 * as `cause`).
 */
export class WaitFailedError extends ProcwardError {
  readonly reason: WaitFailedReason;
  /** The exit record, for `exited`. Plain data. */
  readonly exit: { state: string; code: number | null; signal: NodeJS.Signals | null; reason: string } | undefined;

  constructor(reason: WaitFailedReason, message: string, details: { processId: string; exit?: WaitFailedError['exit']; cause?: unknown }) {
    super(ErrorCode.WAIT_FAILED, message, { processId: details.processId, cause: details.cause });
    this.reason = reason;
    this.exit = details.exit;
  }
}
