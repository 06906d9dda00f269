import { DEFAULTS } from '../options/defaults.js';
import type { ManagerOptionsSchema, SpawnOptionsSchema } from '../options/schemas.js';
import { managerStopSequences, resolveStopSequence, type ResolvedStopStep } from '../options/stop-sequence.js';
import type { ResolvedSpawnOptions } from '../process/process-config.js';
import type { LedgerEntry } from '../ledger/ledger-schema.js';
import type { SpawnQueueSettings } from './spawn-queue.js';
import type { z } from 'zod';

type ParsedManagerOptions = z.output<typeof ManagerOptionsSchema>;
/** Spawn options as the schema returns them (or as recovery rebuilds them from a ledger entry). */
export type ParsedSpawnOptions = z.output<typeof SpawnOptionsSchema>;

/** Manager options after validation and defaults: what each spawn inherits. */
export interface ResolvedManagerOptions {
  queue: SpawnQueueSettings;
  maxProcesses: number;
  retainExited: number;
  outputMaxBytes: number;
  stop: ResolvedStopStep[];
  /** The stop of terminal processes (node-pty and tmux): a hang-up first unless `stop` was given. */
  terminalStop: ResolvedStopStep[];
  orphans: 'kill' | 'keep';
  drainMs: number;
  killTimeoutMs: number;
  stderrTailBytes: number;
  killOnHostExit: boolean;
  pdeathsig: boolean;
  watchdog: boolean;
  metricsIntervalMs: number;
  stateDir: string | undefined;
  spoolMaxBytes: number;
}

/**
 * Defaults are applied here, once, rather than as zod defaults in the schemas: a spawn's default is
 * its manager's setting, which the spawn schema cannot know. Every value comes from DEFAULTS.
 */
export function resolveManagerOptions(o: ParsedManagerOptions): ResolvedManagerOptions {
  const stops = managerStopSequences(o.stop);
  return {
    queue: {
      maxConcurrent: o.maxConcurrent ?? Number.POSITIVE_INFINITY,
      admission: o.admission && { ...o.admission, pollMs: o.admission.pollMs ?? DEFAULTS.admissionPollMs },
    },
    maxProcesses: o.maxProcesses ?? Number.POSITIVE_INFINITY,
    retainExited: o.retainExited ?? DEFAULTS.retainExited,
    outputMaxBytes: o.output?.maxBytes ?? DEFAULTS.outputMaxBytes,
    stop: stops.pipes,
    terminalStop: stops.terminals,
    orphans: o.orphans ?? DEFAULTS.orphans,
    drainMs: o.drainMs ?? DEFAULTS.drainMs,
    killTimeoutMs: o.killTimeoutMs ?? DEFAULTS.killTimeoutMs,
    stderrTailBytes: o.stderrTailBytes ?? DEFAULTS.stderrTailBytes,
    killOnHostExit: o.killOnHostExit ?? true,
    pdeathsig: o.pdeathsig ?? false,
    watchdog: o.watchdog ?? true,
    metricsIntervalMs: o.metrics?.intervalMs ?? DEFAULTS.metricsIntervalMs,
    stateDir: o.stateDir,
    spoolMaxBytes: o.spool?.maxBytes ?? DEFAULTS.spoolMaxBytes,
  };
}

/** What a spawn gets from its manager beyond the options: who it is, and where its spool and setpriv are. */
export interface SpawnContext {
  id: string;
  managerId: string;
  spool: ResolvedSpawnOptions['spool'];
  /** setpriv's path, if installed; asked only when the manager wants pdeathsig. */
  setpriv: () => string | undefined;
}

/** The one resolver of spawn options, for spawn() and for a process recover() takes over alike. */
export function resolveSpawnOptions(o: ParsedSpawnOptions, m: ResolvedManagerOptions, c: SpawnContext): ResolvedSpawnOptions {
  const pty = o.pty === true ? {} : o.pty || undefined;
  const restart = o.restart ?? (o.type === 'service' ? 'on-failure' : 'never');
  return {
    managerId: c.managerId,
    command: o.command,
    args: o.args ?? [],
    cwd: o.cwd ?? process.cwd(),
    env: o.env,
    inheritEnv: o.inheritEnv ?? true,
    shell: o.shell ?? false,
    label: o.label,
    type: o.type ?? 'command',
    scope: o.scope,
    metadata: o.metadata ?? {},
    timeoutMs: o.timeoutMs,
    signal: o.signal,
    stdin: pty ? 'pipe' : (o.stdin ?? 'ignore'),
    pty: pty && {
      cols: pty.cols ?? DEFAULTS.ptyCols,
      rows: pty.rows ?? DEFAULTS.ptyRows,
      // The caller's TERM is honoured when pty.name does not say; the host's is not (it names the host's terminal).
      name: pty.name ?? o.env?.TERM ?? DEFAULTS.ptyName,
      utf8: pty.encoding !== null,
      tmux: pty.backend === 'tmux' ? { session: pty.session ?? `procward-${c.id.slice(0, 8)}`, socket: pty.socket ?? 'procward' } : undefined,
    },
    outputMaxBytes: o.output?.maxBytes ?? m.outputMaxBytes,
    // A spawn's stop fills its gaps from what it would get without one (a terminal's starts with SIGHUP).
    stop: resolveStopSequence(o.stop, pty ? m.terminalStop : m.stop),
    orphans: o.orphans ?? m.orphans,
    drainMs: o.drainMs ?? m.drainMs,
    killTimeoutMs: m.killTimeoutMs,
    stderrTailBytes: m.stderrTailBytes,
    monitor: {
      // A limit needs samples to act on, so it turns sampling on (metrics: false with one is refused).
      intervalMs:
        o.metrics || o.maxMemoryBytes !== undefined || o.maxCpuPercent !== undefined ? ((typeof o.metrics === 'object' ? o.metrics.intervalMs : undefined) ?? m.metricsIntervalMs) : undefined,
      maxMemoryBytes: o.maxMemoryBytes,
      maxCpuPercent: o.maxCpuPercent,
      cpuWindowMs: o.cpuWindowMs ?? DEFAULTS.cpuWindowMs,
    },
    idle: o.idleTimeoutMs === undefined ? undefined : { timeoutMs: o.idleTimeoutMs, action: o.onIdle ?? 'stop' },
    restart:
      restart === 'never'
        ? undefined
        : {
            mode: restart,
            maxRestarts: o.maxRestarts ?? DEFAULTS.maxRestarts,
            windowMs: o.restartWindowMs ?? DEFAULTS.restartWindowMs,
            minUptimeMs: o.minUptimeMs ?? DEFAULTS.minUptimeMs,
            backoff: {
              initialMs: o.backoff?.initialMs ?? DEFAULTS.backoff.initialMs,
              factor: o.backoff?.factor ?? DEFAULTS.backoff.factor,
              maxMs: o.backoff?.maxMs ?? Math.max(DEFAULTS.backoff.maxMs, o.backoff?.initialMs ?? 0),
              jitter: o.backoff?.jitter ?? DEFAULTS.backoff.jitter,
            },
          },
    persist: o.persist ?? false,
    // A persisted process must outlive the host: never a parent-death signal for it.
    setpriv: m.pdeathsig && !o.persist ? c.setpriv() : undefined,
    spool: c.spool,
  };
}

/**
 * The spawn options of a persisted process an earlier host started, as its ledger entry records
 * them: resolved like a spawn's, never restarted (the earlier host's policy ended with it).
 */
export function adoptedSpawnOptions(entry: LedgerEntry): ParsedSpawnOptions {
  return {
    command: entry.command,
    args: entry.args,
    cwd: entry.cwd,
    label: entry.label,
    type: entry.type,
    scope: entry.scope,
    metadata: entry.metadata,
    persist: true,
    restart: 'never',
    pty: entry.tmux ? { backend: 'tmux', session: entry.tmux.session, socket: entry.tmux.socket } : undefined,
  };
}
