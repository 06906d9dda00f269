/**
 * Members of ManagedProcess and ProcessManager that only the library itself calls. Symbol keys
 * keep them out of the public surface (and out of autocompletion) without a `_` convention.
 */
export const START = Symbol('procward.start');
export const CANCEL_QUEUED = Symbol('procward.cancelQueued');
export const STOP_FOR = Symbol('procward.stopFor');
export const KILL_SYNC = Symbol('procward.killSync');
/** Makes parsed events, not raw output, count as activity for the idle watchdog (agent runs). */
export const IDLE_BY_EVENTS = Symbol('procward.idleByEvents');
/** Reports activity to the idle watchdog. */
export const TOUCH = Symbol('procward.touch');
/** Takes over a persisted process found alive after a host restart (pm.recover). */
export const ADOPT = Symbol('procward.adopt');
/** Stops following a persisted process the host leaves running (shutdown). */
export const DETACH = Symbol('procward.detach');
