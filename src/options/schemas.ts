import { constants } from 'node:os';
import { z } from 'zod';
import { PROCESS_STATES } from '../state-machine/states.js';
import { describe, durationMs, EnvNameSchema, jsonProblem, osString, TMUX_NAME } from './values.js';
export { parseOptions } from './parse.js';

const SIGNAL_NAMES = Object.keys(constants.signals) as [NodeJS.Signals, ...NodeJS.Signals[]];

export const SignalNameSchema = z.enum(SIGNAL_NAMES, {
  error: (issue) => `unknown signal ${describe(issue.input)}; use a name such as "SIGTERM" or "SIGINT"`,
});

export const StopStepSchema = z.strictObject({
  signal: SignalNameSchema,
  /** How long to wait for the tree to die after this signal before the next step. */
  graceMs: durationMs('graceMs'),
  /**
   * `tree` (default): every process of the tree. `leader`: only the process the library spawned,
   * as a Ctrl-C to a CLI would, so that it can end its own children its way.
   */
  target: z.enum(['tree', 'leader']).optional(),
});

export const StopOptionsSchema = z
  .strictObject({
    /** First signal sent to the tree. */
    signal: SignalNameSchema.optional(),
    /** How long to wait after the first signal before SIGKILL. */
    graceMs: durationMs('graceMs').optional(),
    /** Several signals in turn, each with its grace period, before SIGKILL (e.g. SIGINT, then SIGTERM). */
    sequence: z.array(StopStepSchema).min(1, 'sequence needs at least one step').optional(),
  })
  .refine((o) => !(o.sequence && (o.signal !== undefined || o.graceMs !== undefined)), {
    message: 'give either sequence or signal/graceMs, not both',
    path: ['sequence'],
  });

export const OutputOptionsSchema = z.strictObject({
  /** Bytes of output kept per process (older bytes are evicted). */
  maxBytes: z.number().int().positive().optional(),
});

export const ProcessTypeSchema = z.enum(['command', 'service']);

export const OrphanPolicySchema = z.enum(['kill', 'keep']);

export const ScopeSchema = z.strictObject({
  kind: z.string().min(1, 'scope.kind must be a non-empty string such as "task", "mission" or "project"'),
  id: z.string().min(1, 'scope.id must be a non-empty string'),
});

export const PtyOptionsSchema = z.strictObject({
  /** Terminal width in columns. @default 80 */
  cols: z.number().int().min(1).max(10_000).optional(),
  /** Terminal height in rows. @default 24 */
  rows: z.number().int().min(1).max(10_000).optional(),
  /** Terminal type, set as TERM for the child. @default the spawn's env.TERM if given, else 'xterm-256color' (never the host's TERM) */
  name: z.string().min(1).optional(),
  /** Input encoding the line discipline assumes: 'utf8' (IUTF8) or null for bytes. @default 'utf8' */
  encoding: z.union([z.literal('utf8'), z.null()]).optional(),
  /**
   * 'node-pty' (default): a terminal of the host's own. 'tmux': a detached tmux session a person
   * can attach to (`tmux -L <socket> attach -t <session>`), driven the same way.
   */
  backend: z.enum(['node-pty', 'tmux']).optional(),
  /** tmux session name (letters, digits, "_", "-"). @default "procward-" and the process id */
  session: z.string().regex(TMUX_NAME, 'tmux session names take 1 to 100 letters, digits, "_" and "-" only').optional(),
  /** tmux server socket name (tmux -L). @default 'procward' */
  socket: z.string().regex(TMUX_NAME, 'tmux socket names take 1 to 100 letters, digits, "_" and "-" only').optional(),
});

export const MetricsOptionsSchema = z.strictObject({
  /** How often the tree is sampled. */
  intervalMs: durationMs('metrics.intervalMs', 50).optional(),
});

export const BackoffOptionsSchema = z
  .strictObject({
    /** Delay before the first restart, and after a healthy run. @default 250 */
    initialMs: durationMs('backoff.initialMs').optional(),
    /** Growth per failed start in a row. @default 2 */
    factor: z.number().min(1, 'backoff.factor must be at least 1 (the delay never shrinks)').optional(),
    /** Cap on the delay. @default 15000 */
    maxMs: durationMs('backoff.maxMs', 1).optional(),
    /** Random spread, as a fraction of the delay either way. @default 0.2 */
    jitter: z.number().min(0).max(1).optional(),
  })
  .refine((b) => b.initialMs === undefined || b.maxMs === undefined || b.initialMs <= b.maxMs, {
    message: 'backoff.initialMs must not exceed backoff.maxMs',
    path: ['initialMs'],
  });

export const AdmissionOptionsSchema = z
  .strictObject({
    /** Queued spawns wait while the host's used memory (total minus available) is above this %. */
    maxHostMemoryPercent: z.number().positive().max(100).optional(),
    /** Queued spawns wait while the host's CPU use (all cores, over the last poll) is above this %. */
    maxHostCpuPercent: z.number().positive().max(100).optional(),
    /** How often the host's load is read (also the window CPU use is measured over). @default 1000 */
    pollMs: durationMs('admission.pollMs', 50).optional(),
  })
  .refine((a) => a.maxHostMemoryPercent !== undefined || a.maxHostCpuPercent !== undefined, {
    message: 'admission needs maxHostMemoryPercent or maxHostCpuPercent (or both)',
  });

export const ManagerOptionsSchema = z.strictObject({
  /**
   * Directory for the ledger of processes and their output spools: what lets a restarted host
   * recover() its persisted processes and read any process's history(). Created if missing.
   */
  stateDir: osString('stateDir', 1).optional(),
  /** Output kept on disk per process, in stateDir. @default 64 MiB */
  spool: z.strictObject({ maxBytes: z.number().int().min(4096, 'spool.maxBytes must be at least 4096') }).optional(),
  /** Hold queued spawns while the host is overloaded; they start when it recovers. */
  admission: AdmissionOptionsSchema.optional(),
  /** Default sampling of processes that ask for metrics (spawn option `metrics`). */
  metrics: MetricsOptionsSchema.optional(),
  /** Processes started at once; further spawns wait in state `queued`. */
  maxConcurrent: z.number().int().positive().optional(),
  /** Live processes (queued included) the registry accepts; beyond it spawn throws LIMIT_REACHED. */
  maxProcesses: z.number().int().positive().optional(),
  /** Exited processes kept in the registry, with their output, before the oldest is removed. */
  retainExited: z.number().int().nonnegative().optional(),
  output: OutputOptionsSchema.optional(),
  stop: StopOptionsSchema.optional(),
  /** What to do with descendants still alive when a process exits on its own. */
  orphans: OrphanPolicySchema.optional(),
  /** After the leader exits, how long to wait for its pipes to close before looking for who holds them. */
  drainMs: durationMs('drainMs').optional(),
  /** After SIGKILL, how long to wait for the tree to disappear before reporting survivors. */
  killTimeoutMs: durationMs('killTimeoutMs', 1).optional(),
  /** Bytes of stderr kept for the exit record. */
  stderrTailBytes: z.number().int().nonnegative().optional(),
  /** SIGKILL every live tree if the host process exits without calling shutdown(). */
  killOnHostExit: z.boolean().optional(),
  /**
   * Kill every tree when the host dies by any means, SIGKILL and the OOM killer included: a small
   * watchdog process per manager notices the host's end of a pipe closing. Linux. @default true
   */
  watchdog: z.boolean().optional(),
  /**
   * Also have the kernel SIGKILL each leader (on pipes) the moment the host dies
   * (PR_SET_PDEATHSIG, set through util-linux setpriv; Linux). A second line of defence that
   * needs no watchdog, for the leader only; costs an exec (~1.5–3 ms) per spawn. @default false
   */
  pdeathsig: z.boolean().optional(),
});

/**
 * What every process accepts, whether started by spawn() or pm.agents.spawn(): where and with what
 * environment it runs, how it is registered, stopped and watched.
 */
export const ProcessOptionsShape = {
  cwd: osString('cwd', 1).optional(),
  /** Variables for the child; `undefined` removes an inherited one. */
  env: z.record(EnvNameSchema, osString('an environment value').optional()).optional(),
  /** Start from the host's environment (default true). */
  inheritEnv: z.boolean().optional(),
  label: z.string().optional(),
  scope: ScopeSchema.optional(),
  /** Plain JSON (it is written to the ledger and returned by `info`): anything JSON would not give back as it is is refused. */
  metadata: z
    .record(z.string(), z.unknown())
    .superRefine((m, ctx) => {
      const problem = jsonProblem(m, '');
      if (problem) ctx.addIssue({ code: 'custom', message: `metadata must be plain JSON: ${problem}` });
    })
    .optional(),
  timeoutMs: durationMs('timeoutMs', 1).optional(),
  signal: z.instanceof(AbortSignal, { message: 'signal must be an AbortSignal' }).optional(),
  stdin: z.enum(['pipe', 'ignore']).optional(),
  output: OutputOptionsSchema.optional(),
  stop: StopOptionsSchema.optional(),
  /** Sample the tree's CPU and memory: `true` (the manager's interval) or `{ intervalMs }`. Off by default. */
  metrics: z.union([z.boolean(), MetricsOptionsSchema]).optional(),
  /** Stop the process (reason memory-limit) when its whole tree's resident memory exceeds this. Turns sampling on. */
  maxMemoryBytes: z.number().int().positive().optional(),
  /** Raise `cpu-high` when the tree uses more than this % of one core for cpuWindowMs. Turns sampling on. */
  maxCpuPercent: z.number().positive().optional(),
  /** How long CPU must stay above maxCpuPercent. @default 10000 */
  cpuWindowMs: durationMs('cpuWindowMs', 1).optional(),
  /** No output for this long: an `idle` event and, by onIdle, a stop with reason idle. */
  idleTimeoutMs: durationMs('idleTimeoutMs', 1).optional(),
  /** What idleTimeoutMs does: 'stop' (default) or only the 'event'. */
  onIdle: z.enum(['stop', 'event']).optional(),
};

type Watched = { metrics?: unknown; maxMemoryBytes?: number; maxCpuPercent?: number; cpuWindowMs?: number; idleTimeoutMs?: number; onIdle?: string };

/** Watchdog options that would silently do nothing are refused. */
export function checkWatchdogs(o: Watched, ctx: z.RefinementCtx): void {
  if (o.onIdle !== undefined && o.idleTimeoutMs === undefined) {
    ctx.addIssue({ code: 'custom', path: ['onIdle'], message: 'onIdle needs idleTimeoutMs' });
  }
  if (o.cpuWindowMs !== undefined && o.maxCpuPercent === undefined) {
    ctx.addIssue({ code: 'custom', path: ['cpuWindowMs'], message: 'cpuWindowMs needs maxCpuPercent' });
  }
  if (o.metrics === false && (o.maxMemoryBytes !== undefined || o.maxCpuPercent !== undefined)) {
    ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'maxMemoryBytes and maxCpuPercent act on samples: leave metrics on' });
  }
}

export const SpawnOptionsSchema = z
  .strictObject({
    command: osString('command', 1),
    args: z.array(osString('each of args')).optional(),
    /** Run through a shell; only when asked (true uses /bin/sh). */
    shell: z.union([z.boolean(), osString('shell', 1)]).optional(),
    type: ProcessTypeSchema.optional(),
    /** Run on a pseudo-terminal (node-pty) instead of pipes: `true` or the terminal's settings. */
    pty: z.union([z.boolean(), PtyOptionsSchema]).optional(),
    orphans: OrphanPolicySchema.optional(),
    drainMs: durationMs('drainMs').optional(),
    /** Place in the queue (maxConcurrent, admission): higher starts first, FIFO within a priority. @default 0 */
    priority: z.number().int().optional(),
    /** Start the process again when it ends by itself: on 'on-failure' or 'always'. @default 'never' for commands, 'on-failure' for services */
    restart: z.enum(['never', 'on-failure', 'always']).optional(),
    /** Restarts allowed within restartWindowMs; one more ends the process `failed` with reason crash-loop. @default 5 */
    maxRestarts: z.number().int().positive().optional(),
    /** @default 60000 */
    restartWindowMs: durationMs('restartWindowMs', 1).optional(),
    /** A run shorter than this is a failed start and grows the backoff; a longer one resets it. @default 1000 */
    minUptimeMs: durationMs('minUptimeMs').optional(),
    /** Delay between attempts: exponential with jitter and a cap. */
    backoff: BackoffOptionsSchema.optional(),
    /**
     * Keep it running when the host goes (shutdown, a crash, SIGKILL): the watchdog spares it, its
     * output goes straight to its spool, and a later host takes it over with pm.recover(). Needs
     * the manager's stateDir.
     */
    persist: z.boolean().optional(),
    ...ProcessOptionsShape,
  })
  .superRefine((o, ctx) => {
    checkWatchdogs(o, ctx);
    const restarts = o.restart ?? (o.type === 'service' ? 'on-failure' : 'never');
    if (restarts === 'never') {
      for (const key of ['maxRestarts', 'restartWindowMs', 'minUptimeMs', 'backoff'] as const) {
        if (o[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `${key} needs restart: 'on-failure' or 'always'` });
      }
    }
    if (o.pty && o.stdin !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['stdin'], message: 'stdin does not apply with pty: the terminal is the input (use write())' });
    }
    if (typeof o.pty === 'object' && o.pty.backend !== 'tmux' && (o.pty.session !== undefined || o.pty.socket !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['pty', 'session'], message: "pty.session and pty.socket are tmux settings: add backend: 'tmux'" });
    }
    if (o.persist && o.pty && (o.pty === true || o.pty.backend !== 'tmux')) {
      ctx.addIssue({ code: 'custom', path: ['persist'], message: "a node-pty terminal dies with its host: persist a terminal with pty: { backend: 'tmux' }" });
    }
    if (o.persist && o.stdin === 'pipe') {
      ctx.addIssue({ code: 'custom', path: ['stdin'], message: "a persisted process has no stdin: the host that would write to it may be gone; use stdin: 'ignore'" });
    }
    if (o.pty && o.shell) {
      ctx.addIssue({ code: 'custom', path: ['shell'], message: "shell does not apply with pty: run the shell itself, e.g. command: 'bash', args: ['-c', …]" });
    }
  });

const StateSchema = z.enum(PROCESS_STATES, {
  error: (issue) => `unknown state ${describe(issue.input)}; states are ${PROCESS_STATES.join(', ')}`,
});

export const HistoryQuerySchema = z.strictObject({
  id: z.string().min(1, 'id must name a process'),
  since: z.number().int().nonnegative().optional(),
  limit: z.number().int().nonnegative().optional(),
});

export const ListFilterSchema = z.strictObject({
  state: z
    .union([StateSchema, z.array(StateSchema)], {
      // A union's own message would be "Invalid input": say which states exist instead.
      error: (issue) => `unknown state ${describe(issue.input)}; states are ${PROCESS_STATES.join(', ')} (one, or a list of them)`,
    })
    .optional(),
  scope: z.strictObject({ kind: z.string().optional(), id: z.string().optional() }).optional(),
  type: ProcessTypeSchema.optional(),
  label: z.string().optional(),
});

export type SignalName = z.infer<typeof SignalNameSchema>;
export type StopStep = z.infer<typeof StopStepSchema>;
export type StopOptions = z.infer<typeof StopOptionsSchema>;
export type OutputOptions = z.infer<typeof OutputOptionsSchema>;
export type PtyOptions = z.infer<typeof PtyOptionsSchema>;
export type MetricsOptions = z.infer<typeof MetricsOptionsSchema>;
export type BackoffOptions = z.infer<typeof BackoffOptionsSchema>;
export type AdmissionOptions = z.infer<typeof AdmissionOptionsSchema>;
export type OrphanPolicy = z.infer<typeof OrphanPolicySchema>;
export type Scope = z.infer<typeof ScopeSchema>;
export type ManagerOptions = z.input<typeof ManagerOptionsSchema>;
export type SpawnOptions = z.input<typeof SpawnOptionsSchema>;
export type ProcessType = z.infer<typeof ProcessTypeSchema>;
