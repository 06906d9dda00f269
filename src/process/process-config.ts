import type { OrphanPolicy, ProcessType, Scope } from '../options/schemas.js';
import type { MonitorSettings } from '../monitor/process-monitor.js';
import type { RestartSettings } from '../restart/restart-policy.js';
import type { ResolvedStopStep } from '../options/stop-sequence.js';

/** Spawn options after validation and defaults. */
export interface ResolvedSpawnOptions {
  managerId: string;
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string | undefined> | undefined;
  inheritEnv: boolean;
  shell: boolean | string;
  label: string | undefined;
  type: ProcessType;
  scope: Scope | undefined;
  metadata: Record<string, unknown>;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  stdin: 'pipe' | 'ignore';
  /** The terminal, for PTY processes. */
  pty: { cols: number; rows: number; name: string; utf8: boolean; tmux: { session: string; socket: string } | undefined } | undefined;
  outputMaxBytes: number;
  /** The stop sequence (before SIGKILL). */
  stop: ResolvedStopStep[];
  orphans: OrphanPolicy;
  drainMs: number;
  killTimeoutMs: number;
  stderrTailBytes: number;
  /** Sampling and limits; intervalMs undefined when nobody asked for periodic samples. */
  monitor: MonitorSettings;
  idle: { timeoutMs: number; action: 'stop' | 'event' } | undefined;
  /** Undefined: never restarted. */
  restart: RestartSettings | undefined;
  /** setpriv, to give the leader SIGKILL as its parent-death signal; undefined: not asked or not available. */
  setpriv: string | undefined;
  /** Outlives the host: output straight to the spool, exempt from the watchdog and from shutdown. */
  persist: boolean;
  /** Where its output is spooled (manager option stateDir), else undefined. */
  spool: { dir: string; maxBytes: number } | undefined;
}
