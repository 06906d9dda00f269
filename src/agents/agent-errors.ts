import { ErrorCode } from '../errors/codes.js';
import { ProcwardError } from '../errors/procward-error.js';
import type { ProcessExit } from '../process/types.js';
import type { StopReason } from '../state-machine/states.js';
import type { AgentResult } from './agent-events.js';

const TEXT_IN_MESSAGE = 500;

function clip(text: string): string {
  const t = text.trim();
  return t.length > TEXT_IN_MESSAGE ? `${t.slice(0, TEXT_IN_MESSAGE)}…` : t;
}

/** The agent finished with an error result: its own failure (max turns, …) or the model API's. */
export class AgentResultError extends ProcwardError {
  readonly result: AgentResult;
  readonly exit: ProcessExit;
  constructor(agent: string, result: AgentResult, exit: ProcessExit, processId: string) {
    const api = result.apiErrorStatus !== null ? `, model API status ${result.apiErrorStatus}` : '';
    super(ErrorCode.AGENT_ERROR, `${agent} reported an error (${result.subtype}${api}): ${clip(result.text) || '(no text)'}`, { processId });
    this.result = result;
    this.exit = exit;
  }
}

/** The agent exited, or was killed by a signal it was not sent by the library, without a result. */
export class AgentExitError extends ProcwardError {
  readonly exit: ProcessExit;
  constructor(agent: string, exit: ProcessExit, processId: string) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    const stderr = clip(exit.stderrTail);
    super(ErrorCode.AGENT_EXITED, `${agent} ${how} before reporting a result${stderr ? `; stderr ends with: ${stderr}` : ' (stderr was empty)'}`, { processId });
    this.exit = exit;
  }
}

/** The run was ended by the library (stop, kill, timeout, abort, scope, shutdown) before its result. */
export class AgentStoppedError extends ProcwardError {
  readonly reason: StopReason;
  readonly exit: ProcessExit;
  /** The result the agent printed while stopping (Claude Code reports `error_during_execution`), if any. */
  readonly result: AgentResult | null;
  constructor(agent: string, reason: StopReason, exit: ProcessExit, result: AgentResult | null, processId: string) {
    super(ErrorCode.AGENT_STOPPED, `${agent} run was stopped (${reason}) before it finished`, { processId });
    this.reason = reason;
    this.exit = exit;
    this.result = result;
  }
}

/** A session cannot take a second run while one is going: both would write the same transcript. */
export class SessionBusyError extends ProcwardError {
  readonly sessionId: string;
  constructor(sessionId: string, processId: string) {
    super(ErrorCode.SESSION_BUSY, `Session "${sessionId}" is still running in process ${processId}; wait for run.result or stop it before resuming.`, { processId });
    this.sessionId = sessionId;
  }
}

/** No run of this manager has the session. */
export class SessionNotFoundError extends ProcwardError {
  readonly sessionId: string;
  constructor(sessionId: string) {
    super(
      ErrorCode.NOT_FOUND,
      `No agent run of this manager has session "${sessionId}". To continue a session started elsewhere, use pm.agents.spawn({ agent, resume: "${sessionId}", cwd }) (the deprecated pm.spawnAgent takes the same options).`,
    );
    this.sessionId = sessionId;
  }
}
