import type { Scope } from '../options/schemas.js';
import type { ProcessInfo } from '../process/types.js';

/** Who a client is, as the host's authentication says: `id` names it in logs and in `ready`. */
export interface Principal {
  id: string;
  [key: string]: unknown;
}

/** What a client may ask of the server; authorize() is asked once per request. */
export type Action = 'list' | 'read' | 'write' | 'resize' | 'stop' | 'kill' | 'spawn' | 'events';

/** What an action is about: the process (for read, write, resize, stop, kill), or the template and scope of a spawn. */
export interface ActionTarget {
  process?: ProcessInfo;
  command?: string;
  scope?: Scope;
}

/**
 * The host's decision on each request. A process it refuses is, to that client, a process that
 * does not exist: NOT_FOUND, never its output. Without it, an authenticated client may do all.
 */
export type Authorize = (principal: Principal, action: Action, target: ActionTarget) => boolean | Promise<boolean>;
