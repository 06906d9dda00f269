import { ProcwardError, type SpawnFailedError, type Survivor } from '../errors/procward-error.js';
import type { PtyUnavailableError } from '../errors/pty-unavailable-error.js';
import { deferred } from '../internal/deferred.js';
import { guarded } from '../internal/guarded.js';
import { IdleWatch } from '../monitor/idle-watch.js';
import { ProcessMonitor, type CpuHigh } from '../monitor/process-monitor.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import type { ResolvedStopStep } from '../options/stop-sequence.js';
import type { OutputStream } from '../output/output-buffer.js';
import type { ChildEvents, ChildHandle } from '../spawn/child-handle.js';
import { diagnoseSpawnError } from '../spawn/spawn-error.js';
import type { ProcessState } from '../state-machine/states.js';
import { ProcessTree } from '../tree/process-tree.js';
import { terminateTree, type TerminateResult } from '../tree/terminate.js';
import type { ChildSlot } from './child-slot.js';
import type { ResolvedSpawnOptions } from './process-config.js';
import type { OrphansFound } from './types.js';

/** What an attempt tells the process it belongs to. */
export interface AttemptOwner {
  state(): ProcessState;
  /** The child is running (the first report of it). */
  spawned(): void;
  /** A handle exists: its input, if any, becomes the process's stdin. */
  attached(child: ChildHandle): void;
  data(stream: OutputStream, data: Buffer): void;
  error(error: ProcwardError): void;
  orphans(found: OrphansFound): void;
  /** Orphans are being killed: the process is `stopping` although nobody asked. */
  stoppingOrphans(): void;
  sampled(metrics: ProcessMetrics): void;
  cpuHigh(high: CpuHigh): void;
  memoryLimit(): void;
  idle(idleMs: number): void;
  leader(pid: number, running: boolean): void;
  /** The attempt is over: the leader reaped, its tree and pipes gone (or given up on). Called once. */
  ended(end: AttemptEnd): void;
  internalFailure(what: string, err: unknown): void;
}

/** How one attempt ended: what the exit record and the restart policy decide from. */
export interface AttemptEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError: SpawnFailedError | PtyUnavailableError | undefined;
  survivors: Survivor[];
  orphans: number[];
  /** Spawn to the end, monotonic clock. */
  uptimeMs: number;
}

/**
 * One child's life: its handle, tree, monitor and idle watch, the leader's exit, the drain of its
 * pipes, the orphans it left and the stop in progress. Created for each attempt and discarded
 * whole, so a late report of a dead child cannot reach the next one: it belongs to another object,
 * and an attempt that is over ignores whatever still arrives.
 *
 * "Over" needs the leader reaped, the pipes closed (or the drain time up) and no stop running; the
 * orphan check sits between the leader's exit and the end.
 */
export class Attempt implements ChildSlot {
  readonly processId: string;
  readonly #o: ResolvedSpawnOptions;
  readonly #owner: AttemptOwner;
  readonly #startMono = performance.now();
  readonly #leaderGone = deferred<void>();
  readonly #escalate = deferred<void>();
  readonly #idle: IdleWatch | undefined;
  #child: ChildHandle | undefined;
  #tree: ProcessTree | undefined;
  #monitor: ProcessMonitor | undefined;
  #forksBefore = 0;
  #opened = false;
  #outputOpen = false;
  #leaderExited = false;
  #code: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #spawnError: SpawnFailedError | PtyUnavailableError | undefined;
  #termination: Promise<TerminateResult> | undefined;
  #terminating = false;
  /** A stop asked for before there was a tree to signal. */
  #pendingStop: readonly ResolvedStopStep[] | undefined;
  /** The leader exited with its pipes open; the orphan check waits for them (drain timer or close). */
  #drainCheckPending = false;
  /** Set at the leader's own exit: no pid was handed out after its own, so it left nothing behind. */
  #forkedNothing = false;
  #drainTimer: NodeJS.Timeout | undefined;
  #survivors: Survivor[] = [];
  #orphans: number[] = [];
  #over = false;

  constructor(processId: string, options: ResolvedSpawnOptions, owner: AttemptOwner) {
    this.processId = processId;
    this.#o = options;
    this.#owner = owner;
    // Started when the child reports `spawned`; one that never does never starts it.
    if (options.idle) this.#idle = new IdleWatch(options.idle.timeoutMs, (idleMs) => owner.idle(idleMs));
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get child(): ChildHandle | undefined {
    return this.#child;
  }

  get leaderExited(): boolean {
    return this.#leaderExited;
  }

  /** Nothing to signal yet and the leader not gone: a stop has to wait for the tree. */
  get unspawned(): boolean {
    return !this.#tree && !this.#leaderExited;
  }

  /** A stop can start now: the tree is known, the leader alive, no stop running. */
  get stoppable(): boolean {
    return this.#tree !== undefined && !this.#leaderExited && this.#termination === undefined;
  }

  /** The stop that runs (or ran) over this attempt's tree. */
  get termination(): Promise<TerminateResult> | undefined {
    return this.#termination;
  }

  readonly events: ChildEvents = {
    spawned: () => {
      if (this.#over) return;
      if (this.#child?.pid !== undefined) this.#watchTree(this.#child.pid);
      this.#owner.spawned();
      if (!this.#leaderExited) {
        this.#monitor?.start();
        this.#idle?.start();
      }
    },
    spawnFailed: (err) => {
      if (this.#over) return;
      diagnoseSpawnError(err, this.#o.command, this.#o.cwd, this.processId)
        .then((e) => this.fail(e))
        .catch((e: unknown) => this.#owner.internalFailure('spawn failure report', e));
    },
    failed: (err) => {
      if (this.#over) return;
      this.#owner.error(new ProcwardError('CHILD_ERROR', `Child process ${this.processId} reported: ${err.message}`, { cause: err, processId: this.processId }));
    },
    data: (stream, data) => {
      if (!this.#over) this.#owner.data(stream, data);
    },
    exited: (code, signal) => {
      if (!this.#over) this.#onLeaderExit(code, signal);
    },
    outputClosed: () => {
      if (this.#over || !this.#outputOpen) return;
      this.#outputOpen = false;
      if (this.#drainCheckPending && !this.#termination) {
        // The leader's exit came first and its pipes closed within the drain time.
        this.#drainCheckPending = false;
        clearTimeout(this.#drainTimer);
        return this.#checkDetached();
      }
      this.#maybeEnd();
    },
  };

  attach(child: ChildHandle, forksBefore: number): void {
    this.#child = child;
    this.#openOutput();
    this.#forksBefore = forksBefore;
    // A tmux child learns its pid only when it reports `spawned`; the tree is set up then.
    if (child.pid !== undefined) this.#watchTree(child.pid);
    this.#owner.attached(child);
  }

  expect(pid: number): void {
    this.#openOutput();
    this.#watchTree(pid);
  }

  fail(error: SpawnFailedError | PtyUnavailableError): void {
    if (this.#over) return;
    this.#spawnError = error;
    this.#leaderExited = true;
    if (this.#outputOpen) {
      this.#outputOpen = false;
      this.#child?.closeOutput();
    }
    this.#end();
  }

  internalFailure(what: string, err: unknown): void {
    this.#owner.internalFailure(what, err);
  }

  /** Output (or, for agent runs, a parsed event) counts as activity for the idle watch. */
  touch(): void {
    this.#idle?.touch();
  }

  /** Stops the tree as soon as it is known (a stop that came while the child was being started). */
  stopWhenSpawned(steps: readonly ResolvedStopStep[]): void {
    this.#pendingStop = steps;
  }

  /** A stop is already running (or the leader is gone and the rest is cleanup): a SIGKILL cuts its grace short. */
  hurry(): void {
    this.#escalate.resolve();
  }

  /** Runs the stop sequence over the tree, then lets the pipes drain. */
  async stop(steps: readonly ResolvedStopStep[]): Promise<void> {
    const result = await this.#terminate(steps);
    this.#survivors = result.survivors;
    if (this.#leaderExited) this.#drainThenEnd();
  }

  /** Sends a signal to every member of the tree (pause, resume). */
  signal(signal: NodeJS.Signals): boolean {
    if (!this.#tree) return false;
    this.#tree.signal(this.#tree.collect(), signal);
    return true;
  }

  /** Last-resort SIGKILL of the tree, synchronous, for the host's `exit` hook. */
  killSync(): void {
    if (!this.#tree) return;
    try {
      this.#tree.signal(this.#tree.collect(), 'SIGKILL');
    } catch {
      /* the host is exiting; nothing more can be done */
    }
  }

  /** The host goes and leaves this persisted child running: stop watching and reading it. */
  detach(): void {
    if (this.#leaderExited) return;
    this.#monitor?.stop();
    this.#idle?.stop();
    this.#child?.closeOutput();
  }

  /** The latest sample; taken now for a live tree that is not sampled periodically (or not yet). */
  metrics(): ProcessMetrics | undefined {
    const s = this.#owner.state();
    const live = this.#monitor && !this.#leaderExited && (s === 'running' || s === 'paused' || s === 'stopping');
    if (live && (this.#o.monitor.intervalMs === undefined || !this.#monitor!.latest)) return this.#monitor!.sample();
    return this.#monitor?.latest;
  }

  #openOutput(): void {
    if (this.#opened) return;
    this.#opened = true;
    this.#outputOpen = true;
  }

  #watchTree(pid: number): void {
    if (this.#tree) return;
    this.#owner.leader(pid, true);
    this.#tree = new ProcessTree(pid, this.processId, this.#forksBefore, { ownChild: this.#child?.ownChild === true && this.#child.pid === pid });
    const owner = this.#owner;
    this.#monitor = new ProcessMonitor(this.#tree, this.#o.monitor, {
      sample: (m) => owner.sampled(m),
      memoryLimit: () => owner.memoryLimit(),
      cpuHigh: (high) => owner.cpuHigh(high),
      failed: (err) => owner.internalFailure('metrics sample', err),
    });
    // A stop asked for before the child had a pid (a tmux child reports it late) starts now.
    const pending = this.#pendingStop;
    if (pending) {
      this.#pendingStop = undefined;
      this.stop(pending).catch((err: unknown) => owner.internalFailure('stop', err));
    }
  }

  #terminate(steps: readonly ResolvedStopStep[]): Promise<TerminateResult> {
    this.#terminating = true;
    this.#termination = terminateTree(this.#tree!, { steps, killTimeoutMs: this.#o.killTimeoutMs }, { leaderGone: this.#leaderGone.promise, escalate: this.#escalate.promise }).finally(() => {
      this.#terminating = false;
    });
    return this.#termination;
  }

  #onLeaderExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.#leaderExited = true;
    this.#code = code;
    this.#signal = signal;
    this.#tree?.leaderReaped();
    this.#monitor?.stop();
    this.#idle?.stop();
    this.#leaderGone.resolve();
    if (this.#termination) {
      // A stop owns the rest of the sequence while it runs. One that already ended (it found the
      // leader a zombie not yet reaped, so nothing to signal) left the ending to this exit.
      if (!this.#terminating) this.#drainThenEnd();
      return;
    }
    // Exited on its own. Anything left in its group or holding its pipes is an orphan, unless no
    // pid was handed out on the machine since the leader's: then it forked nothing, and one small
    // read settles the group check now and the look for a detached descendant later.
    this.#forkedNothing = this.#tree !== undefined && !this.#tree.mayHaveOutlived();
    if (!this.#forkedNothing && this.#tree?.groupAlive()) {
      this.#handleOrphans().catch((err: unknown) => this.#owner.internalFailure('orphan check', err));
    } else if (this.#outputOpen) {
      // Something may hold the pipes: look for it if they stay open; if they close first, the
      // check for a detached descendant still runs (see outputClosed).
      this.#drainCheckPending = true;
      this.#drainTimer = setTimeout(
        guarded(
          () => {
            this.#drainCheckPending = false;
            return this.#handleOrphans();
          },
          (err) => this.#owner.internalFailure('orphan check', err),
        ),
        this.#o.drainMs,
      );
    } else {
      this.#checkDetached();
    }
  }

  /**
   * Group gone, pipes closed: a descendant that left both (a setsid'd daemon with its output
   * elsewhere) still carries the tree's marker. Looked for unless no pid was handed out since the
   * leader's, in which case nothing can have been forked.
   */
  #checkDetached(): void {
    if (!this.#forkedNothing && this.#tree?.mayHaveOutlived()) this.#handleOrphans().catch((err: unknown) => this.#owner.internalFailure('orphan check', err));
    else this.#maybeEnd();
  }

  /** Descendants outlived the leader: report them, and by default stop them the way stop() would. */
  async #handleOrphans(): Promise<void> {
    const tree = this.#tree;
    if (!tree || this.#termination || this.#over) return;
    const members = tree.collect();
    if (members.length > 0) {
      this.#orphans = members.map((m) => m.pid);
      this.#owner.orphans({ pids: this.#orphans, policy: this.#o.orphans });
      if (this.#o.orphans === 'kill') {
        this.#owner.stoppingOrphans();
        const result = await this.#terminate(this.#o.stop);
        this.#survivors = result.survivors;
      }
    }
    this.#drainThenEnd();
  }

  /** Gives the pipes a bounded time to close once nothing of ours should hold them, then closes them. */
  #drainThenEnd(): void {
    if (!this.#outputOpen) return this.#maybeEnd();
    clearTimeout(this.#drainTimer);
    this.#drainTimer = setTimeout(
      guarded(
        () => {
          // Whoever still holds the pipes is not ours to wait for (a kept orphan, a survivor).
          this.#outputOpen = false;
          this.#child?.closeOutput();
          this.#maybeEnd();
        },
        (err) => this.#owner.internalFailure('end of output', err),
      ),
      this.#o.drainMs,
    );
  }

  #maybeEnd(): void {
    if (this.#over || !this.#leaderExited || this.#outputOpen || this.#terminating) return;
    this.#end();
  }

  #end(): void {
    this.#over = true;
    clearTimeout(this.#drainTimer);
    // Nothing of the tree is left to guard, unless something outlived SIGKILL.
    if (this.#tree && this.#survivors.length === 0) this.#owner.leader(this.#tree.leaderPid, false);
    this.#owner.ended({
      code: this.#code,
      signal: this.#signal,
      spawnError: this.#spawnError,
      survivors: this.#survivors,
      orphans: this.#orphans,
      uptimeMs: performance.now() - this.#startMono,
    });
  }
}
