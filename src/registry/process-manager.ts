import { randomUUID } from 'node:crypto';
import { AgentHost } from '../agents/agent-host.js';
import type { AdmissionEvent } from '../admission/admission-gate.js';
import type { HostLoad } from '../admission/host-load.js';
import { InvalidOptionsError, LimitReachedError, ListenerError, NotFoundError, ProcwardError, ShuttingDownError, SpawnFailedError } from '../errors/procward-error.js';
import { warnUnheard } from '../events/safe-emitter.js';
import { handled, rejecting } from '../internal/deferred.js';
import type { RecoveryReport } from '../ledger/recover.js';
import { aggregateMetrics, type ManagerMetrics } from '../monitor/aggregate.js';
import { simpleSpawnOptions } from '../options/simple-spawn.js';
import { ListFilterSchema, ManagerOptionsSchema, SpawnOptionsSchema, StopOptionsSchema, parseOptions } from '../options/schemas.js';
import type { ManagerOptions, Scope, SpawnOptions, StopOptions } from '../options/schemas.js';
import type { OutputChunk, ReadResult } from '../output/output-buffer.js';
import { createProcess, type ManagedProcess } from '../process/managed-process.js';
import type { ResolvedSpawnOptions } from '../process/process-config.js';
import type { ProcessControl } from '../process/process-control.js';
import type { ProcessHooks } from '../process/process-hooks.js';
import type { ProcessExit } from '../process/types.js';
import { setprivPath } from '../spawn/death-signal.js';
import { isTerminal, type StopReason } from '../state-machine/states.js';
import { startTicksLowerBound } from '../tree/proc-table.js';
import { sweepManager } from '../tree/process-tree.js';
import { AgentAliases } from './agent-aliases.js';
import { HostGuard } from './host-guard.js';
import { stopInSlices } from './stop-many.js';
import { matches, type ListFilter } from './list-filter.js';
import { Persistence, readHistory, type HistoryQuery } from './persistence.js';
import { adoptedSpawnOptions, resolveManagerOptions, resolveSpawnOptions, type ParsedSpawnOptions, type ResolvedManagerOptions } from './resolve-options.js';
import { SpawnQueue } from './spawn-queue.js';

export type { ManagerEvents } from './manager-events.js';

/**
 * The registry of every process a host runs: spawns them (through its spawn queue), knows their
 * state, scope and output, stops them one by one, by scope or all at once, and on shutdown leaves
 * nothing running. Agents run through `pm.agents`; persistence (stateDir) through recover() and
 * history().
 */
export class ProcessManager extends AgentAliases {
  /** Carried by every child in PROCWARD_MANAGER. */
  readonly id = randomUUID();
  /** Agent runs and sessions over this manager's processes: `pm.agents.spawn({ agent: 'claude', prompt })`. */
  readonly agents: AgentHost;
  readonly #createdTicks = startTicksLowerBound();
  readonly #opts: ResolvedManagerOptions;
  readonly #processes = new Map<string, ManagedProcess>();
  readonly #controls = new WeakMap<ManagedProcess, ProcessControl>();
  readonly #retained: ManagedProcess[] = []; // exited, oldest first
  /** Persisted processes on pipes write their spools themselves; the others' output is spooled here. */
  readonly #spoolsItself = new WeakSet<ManagedProcess>();
  readonly #queue: SpawnQueue;
  readonly #guard: HostGuard;
  readonly #persistence: Persistence | undefined;
  readonly #hooks: ProcessHooks<ManagedProcess>;
  #live = 0;
  #shutdown: Promise<void> | undefined;
  /** shutdown() waiting until only the persisted processes it let go are live. */
  #idle: (() => void) | undefined;

  constructor(options: ManagerOptions = {}) {
    super();
    this.#opts = resolveManagerOptions(parseOptions(ManagerOptionsSchema, options, 'ProcessManager options'));
    const admission = (e: AdmissionEvent) => this.emit('admission', e);
    this.#queue = new SpawnQueue(this.#opts.queue, admission, (err, p) => this.#queueFailed(err, p));
    const keeper = () => this.#persistence?.keeper;
    this.#hooks = {
      event: (p, event, ...args) => {
        if (event === 'exit') return this.#onExit(p, args[0] as ProcessExit);
        if (event === 'error') return this.#emitError(args[0] as ProcwardError, p);
        if (event === 'state') keeper()?.changed();
        else if (event === 'output' && !this.#spoolsItself.has(p)) keeper()?.output(p, (args[0] as OutputChunk).data);
        // Every other event goes on as it came, the process first (ManagerEvents mirrors ProcessEvents).
        (this.emit as (e: string, ...a: unknown[]) => boolean)(event, p, ...args);
      },
      wantsLines: () => this.listenerCount('line') > 0,
      leader: (p, pid, running) => {
        if (running) keeper()?.leader(p, pid);
        this.#guard.leader(pid, running, p.persist);
      },
    };
    const o = this.#opts;
    const processes = () => this.#processes.values();
    if (o.stateDir) this.#persistence = new Persistence({ ...o, stateDir: o.stateDir }, this.id, processes, (err) => this.#emitError(err));
    this.#guard = new HostGuard(this.id, this.#createdTicks, o, () => {
      for (const p of this.#liveProcesses()) this.#controls.get(p)!.killSync();
    });
    this.agents = new AgentHost((o) => {
      const process = this.spawn(o);
      return { process, control: this.#controls.get(process)! };
    });
  }

  /** Live processes (queued, starting, running, paused, stopping, backoff). */
  get liveCount(): number {
    return this.#live;
  }

  /** Pid of the watchdog that kills this manager's trees if the host dies (started with the first process). */
  get watchdogPid(): number | undefined {
    return this.#guard.watchdogPid;
  }

  /** The admission gate's view of the host (manager option `admission`), else undefined. */
  get admission(): { holding: boolean; load: HostLoad | undefined } | undefined {
    return this.#queue.admission;
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
    const o = simpleSpawnOptions(options) ?? parseOptions(SpawnOptionsSchema, options, 'spawn options');
    if (this.#live >= this.#opts.maxProcesses) throw new LimitReachedError(this.#opts.maxProcesses);
    if (o.persist && !this.#persistence) {
      throw new InvalidOptionsError('spawn options', [{ path: 'persist', message: 'persist needs the manager option stateDir (where its ledger entry and output live)' }]);
    }
    const id = randomUUID();
    const { process: p, control } = this.#register(id, o, this.#persistence?.keeper.spoolFor(id));
    if (o.signal?.aborted) control.cancelQueued('abort');
    else this.#queue.submit(p, () => control.start(), o.priority ?? 0);
    return p;
  }

  #register(id: string, o: ParsedSpawnOptions, spool: ResolvedSpawnOptions['spool']): { process: ManagedProcess; control: ProcessControl } {
    const resolved = resolveSpawnOptions(o, this.#opts, { id, managerId: this.id, spool, setpriv: () => setprivPath() ?? undefined });
    const made = createProcess(id, resolved, this.#hooks);
    if (resolved.persist && !resolved.pty) this.#spoolsItself.add(made.process);
    this.#processes.set(id, made.process);
    this.#controls.set(made.process, made.control);
    this.#guard.live(++this.#live);
    this.emit('spawn', made.process);
    return made;
  }

  /**
   * CPU and memory of every live process tree, in total and per scope: the latest periodic sample
   * of each, or a sample taken now for processes that are not sampled periodically.
   */
  metrics(): ManagerMetrics {
    return aggregateMetrics(this.#liveProcesses());
  }

  /**
   * Reads the ledger in stateDir left by an earlier host and settles every process in it:
   * persisted ones still alive are taken over (same id, stop/kill over their tree, metrics, output
   * from their spool); ones that are alive but were not persisted are killed with their trees
   * (the host died before its watchdog could act); ones that are gone are reported `lost`. A pid
   * that now names another process (its start time differs) is never touched.
   * Rejects with LEDGER_CORRUPT, touching nothing, if the ledger cannot be read, and with
   * NOT_SUPPORTED without stateDir. Runs once.
   */
  recover(): Promise<RecoveryReport> {
    if (!this.#persistence) return handled(Promise.reject(Persistence.unsupported()));
    return this.#persistence.recover((entry, spool) => this.#register(entry.id, adoptedSpawnOptions(entry), spool));
  }

  /**
   * Output of a process from its spool in stateDir, with the offsets of its OutputBuffer: also for
   * processes that exited, and for those of an earlier host. Without stateDir, what the registry's
   * OutputBuffer holds. NOT_FOUND for an id neither knows.
   */
  history(query: HistoryQuery): ReadResult {
    return readHistory(query, this.#persistence, (id) => this.#processes.get(id));
  }

  get(id: string): ManagedProcess | undefined {
    return this.#processes.get(id);
  }

  /** Processes in the registry (live and retained), oldest first, optionally filtered. */
  list(filter: ListFilter = {}): ManagedProcess[] {
    const f = parseOptions(ListFilterSchema, filter, 'list filter');
    const out: ManagedProcess[] = [];
    for (const p of this.#processes.values()) if (matches(p, f)) out.push(p);
    return out;
  }

  /** Stops one process by id; rejects with NOT_FOUND for an unknown id, INVALID_OPTIONS for bad options. */
  stop(id: string, options?: StopOptions): Promise<ProcessExit> {
    return rejecting(() => {
      const opts = parseOptions(StopOptionsSchema, options, 'stop options');
      const p = this.#processes.get(id);
      if (!p) throw new NotFoundError(id);
      return p.stop(opts);
    });
  }

  /** Stops every live process of a scope (`{ kind, id }`; either part may be left out to match more). */
  stopScope(scope: Partial<Scope>, options?: StopOptions): Promise<ProcessExit[]> {
    return rejecting(() => this.#stopMany(this.#liveProcesses(scope), 'scope', options));
  }

  /** Stops every live process. */
  stopAll(options?: StopOptions): Promise<ProcessExit[]> {
    return rejecting(() => this.#stopMany(this.#liveProcesses(), 'stop', options));
  }

  /**
   * Refuses new spawns, stops everything (queued ones never start), and resolves when no child of
   * this manager is left. Idempotent; bad options start no shutdown (the caller can call again).
   */
  shutdown(options?: StopOptions): Promise<void> {
    if (this.#shutdown) return this.#shutdown;
    let opts: StopOptions;
    try {
      opts = parseOptions(StopOptionsSchema, options, 'shutdown options');
    } catch (err) {
      return handled(Promise.reject(err));
    }
    return (this.#shutdown = handled(this.#shutdownWith(opts)));
  }

  async #shutdownWith(options: StopOptions): Promise<void> {
    try {
      const live = this.#liveProcesses();
      // Persisted processes are meant to outlive the host: they are let go, not stopped.
      const kept = live.filter((p) => p.persist && p.state !== 'queued');
      for (const p of kept) this.#controls.get(p)!.detach();
      const others = live.filter((p) => !kept.includes(p));
      await this.#stopMany(others, 'shutdown', options).catch((err: unknown) => this.#emitError(err as ProcwardError));
      await this.#whenIdle(kept.length);
      this.#persistence?.keeper.writeNow();
      const swept = await sweepManager(this.id, this.#createdTicks, this.#opts.killTimeoutMs);
      if (swept.length > 0) this.emit('swept', swept);
    } finally {
      this.#queue.close();
      this.#guard.close();
    }
  }

  /** Removes an exited process from the registry (its output goes with it). */
  remove(id: string): boolean {
    const p = this.#processes.get(id);
    if (!p || !isTerminal(p.state)) return false;
    const at = this.#retained.indexOf(p);
    if (at >= 0) this.#retained.splice(at, 1);
    this.#forget(p);
    return true;
  }

  #forget(p: ManagedProcess): void {
    this.#processes.delete(p.id);
    this.agents.forget(p.id);
    this.#persistence?.keeper.forget(p.id);
    this.emit('remove', p);
  }

  /** Live processes, of a scope when one is given. */
  #liveProcesses(scope?: Partial<Scope>): ManagedProcess[] {
    const out: ManagedProcess[] = [];
    for (const p of scope ? this.list({ scope }) : this.#processes.values()) if (!isTerminal(p.state)) out.push(p);
    return out;
  }

  #stopMany(list: ManagedProcess[], reason: StopReason, options?: StopOptions): Promise<ProcessExit[]> {
    const opts = parseOptions(StopOptionsSchema, options, 'stop options');
    return stopInSlices(list, (p) => this.#controls.get(p)!.stopFor(reason, opts));
  }

  #onExit(p: ManagedProcess, exit: ProcessExit): void {
    this.#live--;
    this.#persistence?.keeper.exited(p);
    this.emit('exit', p, exit);
    this.#retained.push(p);
    while (this.#retained.length > this.#opts.retainExited) this.#forget(this.#retained.shift()!);
    this.#guard.live(this.#live);
    if (this.#idle && this.#live === this.#liveProcesses().filter((x) => x.persist).length) this.#idle();
  }

  /** A queued start failed: nothing in it is meant to throw, so it says why rather than being lost. */
  #queueFailed(err: unknown, p: ManagedProcess): void {
    const message = `Starting ${p.id} from the queue failed: ${(err as Error)?.message ?? String(err)}`;
    this.#emitError(err instanceof ProcwardError ? err : new SpawnFailedError(message, 'other', { cause: err, processId: p.id }), p);
  }

  #emitError(error: ProcwardError, p?: ManagedProcess): void {
    // A listener's failure is printed only when nobody heard it: not here, and not on its process.
    const heard = this.emit('error', error, p) || (p !== undefined && p.listenerCount('error') > 0);
    if (!heard && error instanceof ListenerError) warnUnheard(error);
  }

  /** A throwing listener of the manager: to its `error` event, or printed when nobody listens. */
  protected override listenerFailed(error: ListenerError): void {
    this.#emitError(error);
  }

  /** Resolves once no more than `kept` processes (the persisted ones let go) are live. */
  #whenIdle(kept = 0): Promise<void> {
    if (this.#live <= kept) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }
}
