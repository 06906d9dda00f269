/**
 * Members of ManagedProcess and ProcessManager that only the library itself calls. Symbol keys
 * keep them out of the public surface (and out of autocompletion) without a `_` convention.
 */
export const START = Symbol('procward.start');
export const CANCEL_QUEUED = Symbol('procward.cancelQueued');
export const STOP_FOR = Symbol('procward.stopFor');
export const KILL_SYNC = Symbol('procward.killSync');
