import { randomUUID } from 'node:crypto';
import PQueue from 'p-queue';
import type { AgentAdapter } from '../agents/adapter.js';
import { AdmissionGate, type AdmissionEvent } from '../admission/admission-gate.js';
import { HostLoadSampler, type HostLoad } from '../admission/host-load.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import { aggregateMetrics, type ManagerMetrics } from '../monitor/aggregate.js';
import { AgentHost, type AgentSession } from '../agents/agent-host.js';
import type { ResumeAgentOptions, SpawnAgentOptions } from '../agents/agent-options.js';
import type { AgentRun } from '../agents/agent-run.js';
import { LimitReachedError, NotFoundError, ShuttingDownError, StopFailedError, type ProcwardError, type Survivor } from '../errors/procward-error.js';
import { SafeEmitter, warnUnheard } from '../events/safe-emitter.js';
import { DEFAULTS } from '../options/defaults.js';
import { HistoryQuerySchema, ListFilterSchema, ManagerOptionsSchema, SpawnOptionsSchema, StopOptionsSchema, parseOptions, type ManagerOptions, type Scope, type SpawnOptions, type StopOptions } from '../options/schemas.js';
import type { OutputChunk } from '../output/output-buffer.js';
import { CANCEL_QUEUED, KILL_SYNC, START, STOP_FOR } from '../process/internal.js';
import { ManagedProcess } from '../process/managed-process.js';
import type { ProcessHooks, ResolvedSpawnOptions } from '../process/process-config.js';
import type { OrphansFound, ProcessExit, RestartScheduled } from '../process/types.js';
import { isTerminal, type StateChange, type StopReason } from '../state-machine/states.js';
import { handled } from '../internal/deferred.js';
import { startTicksLowerBound } from '../tree/proc-table.js';
import { sweepManager } from '../tree/process-tree.js';
import { managerStopSequences, resolveStopSequence, type ResolvedStopStep } from '../options/stop-sequence.js';
import { guardHostExit, releaseHostExit } from './host-exit.js';
import { HostWatchdog } from '../watchdog/host-watchdog.js';
import { setprivPath } from '../spawn/death-signal.js';
import { LedgerKeeper } from '../ledger/ledger-keeper.js';
import { recoverLedger, type RecoveryReport } from '../ledger/recover.js';
import type { LedgerEntry } from '../ledger/ledger-schema.js';
import type { ReadResult } from '../output/output-buffer.js';
import { ADOPT, DETACH } from '../process/internal.js';
import { InvalidOptionsError, ListenerError, NotSupportedError, ProcwardError as ProcwardErrorClass, SpawnFailedError } from '../errors/procward-error.js';
import { matches, type ListFilter } from './list-filter.js';

/**
 * Runs `fn` and hands back its promise; a synchronous throw (bad options) becomes a rejection.
 * The rule of the whole API: a method that returns a promise never throws.
 */
function rejecting<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return handled(fn());
  } catch (err) {
    return handled(Promise.reject(err));
  }
}

export interface ManagerEvents {
  spawn: [process: ManagedProcess];
  state: [process: ManagedProcess, change: StateChange];
  output: [process: ManagedProcess, chunk: OutputChunk];
  exit: [process: ManagedProcess, exit: ProcessExit];
  orphans: [process: ManagedProcess, found: OrphansFound];
  remove: [process: ManagedProcess];
  metrics: [process: ManagedProcess, metrics: ProcessMetrics];
  /** An attempt ended and the process will be started again (state `backoff`). */
  restart: [process: ManagedProcess, restart: RestartScheduled];
  /** Queued spawns are held because the host is over an admission limit (`held: true`), or go ahead again. */
  admission: [event: AdmissionEvent];
  /** Pids killed by the final sweep of shutdown(): descendants that had escaped every tree. */
  swept: [pids: number[]];
  /**
   * A failure nobody could be told of otherwise: the error, and the process it is about when there
   * is one (a spawn failure, a throwing listener of a process, a failed stdin). With no listener
   * here, a throwing listener (LISTENER_FAILED) is printed as a process warning.
   */
  error: [error: ProcwardError, process: ManagedProcess | undefined];
}

interface ResolvedManagerOptions {
  maxConcurrent: number;
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
  metricsIntervalMs: number;
}

/**
 * The registry of every process a host runs: spawns them (through a concurrency queue), knows
 * their state, scope and output, stops them one by one, by scope or all at once, and on shutdown
 * leaves nothing running.
 */
export class ProcessManager extends SafeEmitter<ManagerEvents> {
  /** Carried by every child in PROCWARD_MANAGER. */
  readonly id = randomUUID();
  readonly #createdTicks = startTicksLowerBound();
  readonly #opts: ResolvedManagerOptions;
  readonly #processes = new Map<string, ManagedProcess>();
  readonly #retained: ManagedProcess[] = []; // exited, oldest first
  readonly #queue: PQueue | undefined;
  readonly #gate: AdmissionGate | undefined;
  readonly #watchdog: HostWatchdog | undefined;
  readonly #keeper: LedgerKeeper | undefined;
  #recovery: Promise<RecoveryReport> | undefined;
  readonly #hooks: ProcessHooks;
  #live = 0;
  #shutdown: Promise<void> | undefined;
  #idle: (() => void)[] = [];
  #turn: Promise<void> = Promise.resolve();
  readonly #agents = new AgentHost((options) => this.spawn(options));

  constructor(options: ManagerOptions = {}) {
    super();
    const o = parseOptions(ManagerOptionsSchema, options, 'ProcessManager options');
    const stops = managerStopSequences(o.stop as StopOptions | undefined);
    this.#opts = {
      maxConcurrent: o.maxConcurrent ?? Number.POSITIVE_INFINITY,
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
      metricsIntervalMs: o.metrics?.intervalMs ?? DEFAULTS.metricsIntervalMs,
    };
    if (o.admission) {
      const { maxHostMemoryPercent, maxHostCpuPercent, pollMs } = o.admission;
      this.#gate = new AdmissionGate({ maxHostMemoryPercent, maxHostCpuPercent, pollMs: pollMs ?? DEFAULTS.admissionPollMs }, new HostLoadSampler(), (e) => {
        // While the host is over, later spawns stay in the queue, in priority order, rather than
        // piling up at the gate.
        if (e.held) this.#queue!.pause();
        else this.#queue!.start();
        this.emit('admission', e);
      });
      // Reading from now on means the first spawns find a CPU figure to decide with.
      this.#gate.start();
    }
    if (Number.isFinite(this.#opts.maxConcurrent) || this.#gate) this.#queue = new PQueue({ concurrency: this.#opts.maxConcurrent });
    this.#hooks = {
      state: (p, change) => {
        this.#keeper?.changed();
        this.emit('state', p, change);
      },
      output: (p, chunk) => {
        if (this.#keeper && !p.writesOwnSpool) this.#keeper.output(p, chunk.data);
        this.emit('output', p, chunk);
      },
      exit: (p, exit) => this.#onExit(p, exit),
      error: (p, error) => this.#emitError(error, p),
      orphans: (p, found) => this.emit('orphans', p, found),
      metrics: (p, metrics) => this.emit('metrics', p, metrics),
      restart: (p, restart) => this.emit('restart', p, restart),
      leader: (p, pid, running) => {
        if (running) this.#keeper?.leader(p, pid);
        // A persisted process is the one the watchdog must spare.
        if (p.persist) return;
        if (running) this.#watchdog?.guard(pid);
        else this.#watchdog?.release(pid);
      },
    };
    if (o.stateDir) {
      this.#keeper = new LedgerKeeper(o.stateDir, this.id, o.spool?.maxBytes ?? DEFAULTS.spoolMaxBytes, this.#opts.retainExited, () => this.#processes.values(), (err) =>
        this.#emitError(err instanceof ProcwardErrorClass ? err : new ProcwardErrorClass('STATE_FAILED', `Writing the state in ${o.stateDir} failed: ${(err as Error).message}; processes run on, but a later recover() may not find them.`, { cause: err })),
      );
    }
    if ((o.watchdog ?? true) && HostWatchdog.supported) this.#watchdog = new HostWatchdog(this.id, this.#createdTicks);
  }

  /** Live processes (queued, starting, running, paused, stopping). */
  get liveCount(): number {
    return this.#live;
  }

  /** Pid of the watchdog that kills this manager's trees if the host dies (started with the first process). */
  get watchdogPid(): number | undefined {
    return this.#watchdog?.pid;
  }

  /** The admission gate's view of the host (manager option `admission`), else undefined. */
  get admission(): { holding: boolean; load: HostLoad | undefined } | undefined {
    return this.#gate && { holding: this.#gate.holding, load: this.#gate.latest };
  }

  get isShuttingDown(): boolean {
    return this.#shutdown !== undefined;
  }

  /**
   * Registers and starts a process (or queues it behind maxConcurrent). Throws INVALID_OPTIONS,
   * LIMIT_REACHED or SHUTTING_DOWN synchronously; a failure to start is reported on the process
   * (`started` rejects, state `failed`, an `error` event), never thrown into the host.
   */
  spawn(options: SpawnOptions): ManagedProcess {
    if (this.#shutdown) throw new ShuttingDownError();
    const o = parseOptions(SpawnOptionsSchema, options, 'spawn options');
    if (this.#live >= this.#opts.maxProcesses) throw new LimitReachedError(this.#opts.maxProcesses);
    if (o.persist && !this.#keeper) {
      throw new InvalidOptionsError('spawn options', [{ path: 'persist', message: 'persist needs the manager option stateDir (where its ledger entry and output live)' }]);
    }
    const m = this.#opts;
    const id = randomUUID();
    const resolved: ResolvedSpawnOptions = {
      managerId: this.id,
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
      stdin: o.pty ? 'pipe' : (o.stdin ?? 'ignore'),
      pty: o.pty
        ? {
            cols: (o.pty === true ? undefined : o.pty.cols) ?? DEFAULTS.ptyCols,
            rows: (o.pty === true ? undefined : o.pty.rows) ?? DEFAULTS.ptyRows,
            // The caller's TERM is honoured when pty.name does not say; the host's is not (it names the host's terminal).
            name: (o.pty === true ? undefined : o.pty.name) ?? o.env?.TERM ?? DEFAULTS.ptyName,
            utf8: (o.pty === true ? undefined : o.pty.encoding) !== null,
            tmux:
              o.pty !== true && o.pty.backend === 'tmux'
                ? { session: o.pty.session ?? `procward-${id.slice(0, 8)}`, socket: o.pty.socket ?? 'procward' }
                : undefined,
          }
        : undefined,
      outputMaxBytes: o.output?.maxBytes ?? m.outputMaxBytes,
      // A spawn's stop fills its gaps from what it would get without one (a terminal's starts with SIGHUP).
      stop: resolveStopSequence(o.stop as StopOptions | undefined, o.pty ? m.terminalStop : m.stop),
      orphans: o.orphans ?? m.orphans,
      drainMs: o.drainMs ?? m.drainMs,
      killTimeoutMs: m.killTimeoutMs,
      stderrTailBytes: m.stderrTailBytes,
      monitor: {
        // A limit needs samples to act on, so it turns sampling on (metrics: false with one is refused).
        intervalMs:
          o.metrics || o.maxMemoryBytes !== undefined || o.maxCpuPercent !== undefined
            ? ((typeof o.metrics === 'object' ? o.metrics.intervalMs : undefined) ?? m.metricsIntervalMs)
            : undefined,
        maxMemoryBytes: o.maxMemoryBytes,
        maxCpuPercent: o.maxCpuPercent,
        cpuWindowMs: o.cpuWindowMs ?? DEFAULTS.cpuWindowMs,
      },
      idle: o.idleTimeoutMs === undefined ? undefined : { timeoutMs: o.idleTimeoutMs, action: o.onIdle ?? 'stop' },
      restart: {
        mode: o.restart ?? (o.type === 'service' ? 'on-failure' : 'never'),
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
      setpriv: this.#opts.pdeathsig && !o.persist ? (setprivPath() ?? undefined) : undefined,
      spool: this.#keeper?.spoolFor(id),
    };
    const p = new ManagedProcess(id, resolved, this.#hooks);
    this.#processes.set(p.id, p);
    if (++this.#live === 1 && this.#opts.killOnHostExit) guardHostExit(this);
    this.emit('spawn', p);
    if (o.signal?.aborted) {
      p[CANCEL_QUEUED]('abort');
    } else if (!this.#queue) {
      void p[START]();
    } else {
      this.#enqueue(p, o.priority ?? 0);
    }
    return p;
  }

  #enqueue(p: ManagedProcess, priority: number): void {
    const queue = this.#queue!;
    const hasSlot = queue.pending < queue.concurrency && queue.size === 0 && !queue.isPaused;
    queue.add(
      async () => {
        if (!hasSlot) await this.#nextTurn();
        if (this.#gate && p.state === 'queued') {
          const ended = new AbortController();
          void p.exited.then(() => ended.abort());
          await this.#gate.pass(priority, ended.signal);
        }
        if (p.state !== 'queued') return; // stopped while it waited
        await p[START]();
      },
      { priority },
    ).catch((err: unknown) => {
      // Nothing in the task is meant to throw; if something does, the host hears of it instead
      // of losing it to an unhandled rejection (which ends a default Node host).
      this.#emitError(err instanceof ProcwardErrorClass ? err : new SpawnFailedError(`Starting ${p.id} from the queue failed: ${(err as Error)?.message ?? String(err)}`, 'other', { cause: err, processId: p.id }), p);
    });
  }

  /**
   * Resolves in an event-loop turn of its own: spawns leaving the queue take one turn each
   * (chained, since setImmediates queued in one turn all run in the next) instead of blocking the
   * host for the sum of several spawns.
   */
  #nextTurn(): Promise<void> {
    const turn = this.#turn.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
    this.#turn = turn;
    return turn;
  }

  /**
   * Runs an agent CLI ('claude', 'codex' or a registered adapter) on a prompt: argv built by its
   * adapter (no shell), stdin ignored, stopped its way. The run's `process` is an ordinary
   * ManagedProcess in this registry; the run adds typed events, session, usage and `result`.
   * Throws like spawn() (INVALID_OPTIONS, LIMIT_REACHED, SHUTTING_DOWN), and SESSION_BUSY when
   * `resume` names a session that is still running.
   */
  spawnAgent(options: SpawnAgentOptions): AgentRun {
    return this.#agents.spawn(options);
  }

  /**
   * Continues a session this manager has run, with the same adapter, cwd and options (overridden
   * by `options`). Throws NOT_FOUND for a session it does not know and SESSION_BUSY while it runs.
   */
  resumeAgent(sessionId: string, prompt: string, options?: ResumeAgentOptions): AgentRun {
    return this.#agents.resume(sessionId, prompt, options);
  }

  /** Adds an agent adapter (or replaces the one of that name). */
  registerAgent(adapter: AgentAdapter): void {
    this.#agents.register(adapter);
  }

  /** The agent run in a process, by process id. */
  agentRun(id: string): AgentRun | undefined {
    return this.#agents.get(id);
  }

  /** The latest run of an agent session. */
  findBySession(sessionId: string): AgentRun | undefined {
    return this.#agents.findBySession(sessionId);
  }

  /** Agent sessions whose runs are in the registry, with whether one is going. */
  sessions(): AgentSession[] {
    return this.#agents.sessions();
  }

  isSessionActive(sessionId: string): boolean {
    return this.#agents.isSessionActive(sessionId);
  }

  /**
   * CPU and memory of every live process tree, in total and per scope: the latest periodic sample
   * of each, or a sample taken now for processes that are not sampled periodically.
   */
  metrics(): ManagerMetrics {
    const samples: { scope: Scope | undefined; metrics: ProcessMetrics }[] = [];
    for (const p of this.#liveProcesses()) {
      const m = p.metrics();
      if (m) samples.push({ scope: p.scope, metrics: m });
    }
    return aggregateMetrics(samples);
  }

  /**
   * Reads the ledger in stateDir left by an earlier host and settles every process in it:
   * persisted ones still alive are taken over (same id, stop/kill over their tree, metrics, output
   * from their spool); ones that are alive but were not persisted are killed with their trees
   * (the host died before its watchdog could act); ones that are gone are reported `lost`. A pid
   * that now names another process (its start time differs) is never touched.
   * Rejects with LEDGER_CORRUPT, touching nothing, if the ledger cannot be read. Runs once.
   */
  recover(): Promise<RecoveryReport> {
    const keeper = this.#keeper;
    if (!keeper) return handled(Promise.reject(new NotSupportedError('recover() needs the manager option stateDir: the ledger to recover from lives there.')));
    this.#recovery ??= handled(
      keeper.holdWrites(() => recoverLedger(keeper, this.id, this.#opts.killTimeoutMs, (entry) => this.#adopt(entry))),
    );
    return this.#recovery;
  }

  /**
   * Output of a process from its spool in stateDir, with the offsets of its OutputBuffer: also for
   * processes that exited, and for those of an earlier host. Without stateDir, what the registry's
   * OutputBuffer holds. NOT_FOUND for an id neither knows.
   */
  history(query: { id: string; since?: number; limit?: number }): ReadResult {
    const { id, since, limit } = parseOptions(HistoryQuerySchema, query, 'history query');
    const fromSpool = this.#keeper?.history(id, since, limit);
    if (fromSpool) return { data: fromSpool.data, from: fromSpool.from, to: fromSpool.to, dropped: fromSpool.dropped };
    const p = this.#processes.get(id);
    if (p) return p.output.read({ since, limit });
    if (this.#keeper?.known(id)) return { data: Buffer.alloc(0), from: since ?? 0, to: since ?? 0, dropped: 0 };
    throw new NotFoundError(id);
  }

  #adopt(entry: LedgerEntry): ManagedProcess {
    const m = this.#opts;
    const resolved: ResolvedSpawnOptions = {
      managerId: this.id,
      command: entry.command,
      args: entry.args,
      cwd: entry.cwd,
      env: undefined,
      inheritEnv: true,
      shell: false,
      label: entry.label,
      type: entry.type,
      scope: entry.scope,
      metadata: entry.metadata,
      timeoutMs: undefined,
      signal: undefined,
      stdin: entry.tmux ? 'pipe' : 'ignore',
      pty: entry.tmux ? { cols: DEFAULTS.ptyCols, rows: DEFAULTS.ptyRows, name: DEFAULTS.ptyName, utf8: true, tmux: entry.tmux } : undefined,
      outputMaxBytes: m.outputMaxBytes,
      stop: entry.tmux ? m.terminalStop : m.stop,
      orphans: m.orphans,
      drainMs: m.drainMs,
      killTimeoutMs: m.killTimeoutMs,
      stderrTailBytes: m.stderrTailBytes,
      monitor: { intervalMs: undefined, maxMemoryBytes: undefined, maxCpuPercent: undefined, cpuWindowMs: DEFAULTS.cpuWindowMs },
      idle: undefined,
      restart: undefined,
      persist: true,
      setpriv: undefined,
      // Undefined if the spool cannot be trusted: its output is then taken as none written.
      spool: this.#keeper!.spoolFor(entry.id),
    };
    const p = new ManagedProcess(entry.id, resolved, this.#hooks);
    this.#processes.set(p.id, p);
    if (++this.#live === 1 && this.#opts.killOnHostExit) guardHostExit(this);
    this.emit('spawn', p);
    p[ADOPT](entry.pid!, entry.startTicks!, entry.startedAt);
    return p;
  }

  get(id: string): ManagedProcess | undefined {
    return this.#processes.get(id);
  }

  /** Processes in the registry (live and retained), oldest first, optionally filtered. */
  list(filter: ListFilter = {}): ManagedProcess[] {
    const f = parseOptions(ListFilterSchema, filter, 'list filter') as ListFilter;
    const out: ManagedProcess[] = [];
    for (const p of this.#processes.values()) if (matches(p, f)) out.push(p);
    return out;
  }

  /** Stops one process by id; rejects with NOT_FOUND for an unknown id, INVALID_OPTIONS for bad options. */
  stop(id: string, options?: StopOptions): Promise<ProcessExit> {
    return rejecting(() => {
      const opts = parseOptions(StopOptionsSchema, options, 'stop options') as StopOptions;
      const p = this.#processes.get(id);
      if (!p) throw new NotFoundError(id);
      return p.stop(opts);
    });
  }

  /** Stops every live process of a scope (`{ kind, id }`; either part may be left out to match more). */
  stopScope(scope: Partial<Scope>, options?: StopOptions): Promise<ProcessExit[]> {
    return rejecting(() => {
      const live = this.list({ scope }).filter((p) => !isTerminal(p.state));
      return this.#stopMany(live, 'scope', options);
    });
  }

  /** Stops every live process. */
  stopAll(options?: StopOptions): Promise<ProcessExit[]> {
    return rejecting(() => this.#stopMany(this.#liveProcesses(), 'stop', options));
  }

  /**
   * Refuses new spawns, stops everything (queued ones never start), and resolves when no child of
   * this manager is left. Idempotent.
   */
  shutdown(options?: StopOptions): Promise<void> {
    if (!this.#shutdown) {
      let opts: StopOptions;
      try {
        opts = parseOptions(StopOptionsSchema, options, 'shutdown options') as StopOptions;
      } catch (err) {
        // Bad options start no shutdown: the caller can call again with good ones.
        return handled(Promise.reject(err));
      }
      options = opts;
      this.#shutdown = (async () => {
        try {
          const live = this.#liveProcesses();
          // Persisted processes are meant to outlive the host: they are let go, not stopped.
          const kept = live.filter((p) => p.persist && p.state !== 'queued');
          for (const p of kept) p[DETACH]();
          await this.#stopMany(live.filter((p) => !kept.includes(p)), 'shutdown', options).catch((err: unknown) => {
            this.#emitError(err as ProcwardError);
          });
          await this.#whenIdle(kept.length);
          this.#keeper?.writeNow();
          const swept = await sweepManager(this.id, this.#createdTicks, this.#opts.killTimeoutMs);
          if (swept.length > 0) this.emit('swept', swept);
        } finally {
          this.#gate?.close();
          this.#watchdog?.close();
          this.#queue?.clear();
          releaseHostExit(this);
        }
      })();
      handled(this.#shutdown);
    }
    return this.#shutdown;
  }

  /** Removes an exited process from the registry (its output goes with it). */
  remove(id: string): boolean {
    const p = this.#processes.get(id);
    if (!p || !isTerminal(p.state)) return false;
    this.#processes.delete(id);
    const at = this.#retained.indexOf(p);
    if (at >= 0) this.#retained.splice(at, 1);
    this.#agents.forget(p.id);
    this.#keeper?.forget(p.id);
    this.emit('remove', p);
    return true;
  }

  /** SIGKILL every live tree synchronously (the host is exiting). */
  [KILL_SYNC](): void {
    for (const p of this.#liveProcesses()) p[KILL_SYNC]();
  }

  #liveProcesses(): ManagedProcess[] {
    const out: ManagedProcess[] = [];
    for (const p of this.#processes.values()) if (!isTerminal(p.state)) out.push(p);
    return out;
  }

  async #stopMany(list: ManagedProcess[], reason: StopReason, options?: StopOptions): Promise<ProcessExit[]> {
    const opts = parseOptions(StopOptionsSchema, options, 'stop options') as StopOptions;
    const settled = await Promise.allSettled(list.map((p) => p[STOP_FOR](reason, opts)));
    const exits: ProcessExit[] = [];
    const survivors: Survivor[] = [];
    for (const s of settled) {
      if (s.status === 'fulfilled') exits.push(s.value);
      else if (s.reason instanceof StopFailedError) survivors.push(...s.reason.survivors);
      else throw s.reason;
    }
    if (survivors.length > 0) throw new StopFailedError(survivors);
    return exits;
  }

  #onExit(p: ManagedProcess, exit: ProcessExit): void {
    this.#live--;
    this.#keeper?.exited(p);
    this.emit('exit', p, exit);
    this.#retained.push(p);
    while (this.#retained.length > this.#opts.retainExited) {
      const old = this.#retained.shift()!;
      this.#processes.delete(old.id);
      this.#agents.forget(old.id);
      this.#keeper?.forget(old.id);
      this.emit('remove', old);
    }
    if (this.#live === 0) releaseHostExit(this);
    if (this.#idle.length > 0 && this.#live === this.#liveProcesses().filter((x) => x.persist).length) {
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  #emitError(error: ProcwardError, p?: ManagedProcess): void {
    const heard = this.emit('error', error, p);
    if (!heard && error instanceof ListenerError) warnUnheard(error);
  }

  /** A throwing listener of the manager: to its `error` event, or printed when nobody listens. */
  protected override listenerFailed(error: ListenerError): void {
    this.#emitError(error);
  }

  /** Resolves once no more than `kept` processes (the persisted ones let go) are live. */
  #whenIdle(kept = 0): Promise<void> {
    if (this.#live <= kept) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }
}
