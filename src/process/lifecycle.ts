import { NotRunningError, ProcwardError, StopFailedError } from '../errors/procward-error.js';
import { deferred, handled } from '../internal/deferred.js';
import { guarded } from '../internal/guarded.js';
import type { StopOptions } from '../options/schemas.js';
import { resolveStopSequence } from '../options/stop-sequence.js';
import { RestartPolicy } from '../restart/restart-policy.js';
import { StateMachine } from '../state-machine/state-machine.js';
import { isHostStop, type ProcessState, type StateReason, type StopReason } from '../state-machine/states.js';
import { Attempt, type AttemptEnd, type AttemptOwner } from './attempt.js';
import { exitRecord } from './exit-verdict.js';
import { launch } from './launch.js';
import type { OutputFanout } from './output-fanout.js';
import type { ResolvedSpawnOptions } from './process-config.js';
import type { ProcessControl } from './process-control.js';
import { restartStep } from './restart-step.js';
import type { StdinPort } from './stdin-port.js';
import type { ProcessEvents, ProcessExit } from './types.js';

/** What the lifecycle needs of the process it runs: where events, output and input go. */
export interface LifecycleHost {
  /** An event to the process's listeners, then to its manager. */
  tell<K extends keyof ProcessEvents>(event: K, ...args: ProcessEvents[K]): void;
  leader(pid: number, running: boolean): void;
  readonly fanout: OutputFanout;
  readonly stdin: StdinPort;
}

/**
 * A process's life from `queued` to its exit record: the state machine, the restart loop over
 * attempts (attempt.ts: one child each), the stops, the deadline and the abort signal. Everything
 * that spans attempts is here; everything of one child is in its Attempt; the process's public
 * face (ManagedProcess) only validates and delegates.
 */
export class ProcessLifecycle {
  readonly started: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  readonly #id: string;
  readonly #o: ResolvedSpawnOptions;
  readonly #host: LifecycleHost;
  readonly #machine: StateMachine;
  readonly #restart: RestartPolicy | undefined;
  readonly #started = deferred<void>();
  readonly #exited = deferred<ProcessExit>();
  /** The current attempt, or the last one until the next starts; none before the first. */
  #attempt: Attempt | undefined;
  /** How the last attempt ended; cleared when the next one starts. */
  #last: AttemptEnd | undefined;
  #restarts = 0;
  #startedAt: number | null = null;
  #spawnedMono = 0;
  #endedAt: number | null = null;
  #exit: ProcessExit | null = null;
  #stopReason: StopReason | undefined;
  #idleByEvents = false;
  /** The host stopped it: whatever the attempt's verdict, it is not restarted. */
  #final = false;
  #timeoutTimer: NodeJS.Timeout | undefined;
  #backoffTimer: NodeJS.Timeout | undefined;
  #onAbort: (() => void) | undefined;

  constructor(id: string, options: ResolvedSpawnOptions, host: LifecycleHost) {
    this.#id = id;
    this.#o = options;
    this.#host = host;
    this.#machine = new StateMachine('queued', id);
    this.#restart = options.restart && new RestartPolicy(options.restart);
    this.started = handled(this.#started.promise);
    this.exited = this.#exited.promise;
    if (options.signal) {
      // Listening from creation on: an abort while queued ends the process before it starts.
      this.#onAbort = () => void this.stop('abort', {}).catch(() => {});
      options.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get state(): ProcessState {
    return this.#machine.state;
  }

  get attempt(): Attempt | undefined {
    return this.#attempt;
  }

  get exit(): ProcessExit | null {
    return this.#exit;
  }

  get restarts(): number {
    return this.#restarts;
  }

  get times(): { startedAt: number | null; endedAt: number | null } {
    return { startedAt: this.#startedAt, endedAt: this.#endedAt };
  }

  readonly control: ProcessControl = {
    start: () => {
      if (this.state !== 'queued') return this.exited;
      this.#transition('starting', 'start');
      this.#spawnedMono = performance.now();
      // The deadline is the process's, not an attempt's: restarts do not extend it.
      if (this.#o.timeoutMs !== undefined) this.#timeoutTimer = setTimeout(() => void this.stop('timeout', {}).catch(() => {}), this.#o.timeoutMs);
      this.#runAttempt();
      return this.exited;
    },
    cancelQueued: (reason) => {
      if (this.state !== 'queued') return;
      this.#stopReason = reason;
      this.#endUnstarted();
    },
    stopFor: (reason, options) => handled(this.stop(reason, options)),
    killSync: () => {
      if (!this.#exit && !this.#o.persist) this.#attempt?.killSync();
    },
    adopt: (startedAt, begin) => {
      if (this.state !== 'queued') return;
      this.#transition('starting', 'recover');
      this.#spawnedMono = performance.now();
      this.#startedAt = startedAt;
      this.#attempt = new Attempt(this.#id, this.#o, this.#owner);
      begin(this.#attempt);
    },
    detach: () => {
      if (!this.#o.persist) return;
      clearTimeout(this.#timeoutTimer);
      this.#attempt?.detach();
    },
    idleByEvents: () => {
      this.#idleByEvents = true;
    },
    touch: () => this.#attempt?.touch(),
  };

  /**
   * Stops for `reason`: cancels a queued start or a pending restart, records a stop asked for before
   * there is a tree, hurries one under way, or runs the stop sequence over the tree. Resolves with
   * the exit record; rejects with STOP_FAILED if something outlived SIGKILL.
   */
  async stop(reason: StopReason, options: StopOptions): Promise<ProcessExit> {
    if (this.#exit) return this.#exit;
    if (isHostStop(reason)) this.#final = true;
    if (this.state === 'queued') {
      this.control.cancelQueued(reason);
      return this.exited;
    }
    if (this.state === 'backoff') {
      // Nothing is running between attempts: cancelling the restart is the whole stop.
      this.#stopReason = reason;
      this.#finalize();
      return this.exited;
    }
    const steps = resolveStopSequence(options, this.#o.stop);
    const attempt = this.#attempt;
    if (this.state === 'starting' && (!attempt || attempt.unspawned)) {
      // Nothing to signal yet: the stop is recorded now and acted on as soon as there is something
      // (#runAttempt spawns nothing, the attempt stops its tree once known, a failed spawn ends it).
      this.#stopReason = reason;
      attempt?.stopWhenSpawned(steps);
      this.#transition('stopping', reason);
      return this.#awaitEnd();
    }
    if (!attempt?.stoppable) {
      // Already stopping (or cleaning up after its own exit): a kill cuts the grace short.
      if (steps[0]!.signal === 'SIGKILL') attempt?.hurry();
      return this.#awaitEnd();
    }
    this.#stopReason = reason;
    this.#transition('stopping', reason);
    await attempt.stop(steps);
    return this.#awaitEnd();
  }

  /** SIGSTOP (pause) or SIGCONT (resume) over the tree, and the state that says so. */
  pauseOrResume(pause: boolean): void {
    const [from, to, signal] = pause ? (['running', 'paused', 'SIGSTOP'] as const) : (['paused', 'running', 'SIGCONT'] as const);
    if (this.state !== from || !this.#attempt?.signal(signal)) {
      const what = pause ? 'pause' : 'resume';
      throw new NotRunningError(`Cannot ${what} process ${this.#id}: it is ${this.state}; only a ${from} process can be ${what}d.`, this.#id);
    }
    this.#transition(to, pause ? 'pause' : 'resume');
  }

  #runAttempt(): void {
    if (this.#restart) this.#host.fanout.mark(this.#restarts);
    // A stop that came while `starting` was announced (a state listener calling stop()) wins:
    // nothing is spawned, and the record says stopped.
    if (this.state === 'stopping') return this.#endUnstarted();
    this.#attempt = new Attempt(this.#id, this.#o, this.#owner);
    launch(this.#o, this.#attempt);
  }

  /** Ends a process stopped before it ran: `started` rejects, the record says stopped. */
  #endUnstarted(): void {
    this.#started.reject(new NotRunningError(`Process ${this.#id} was stopped (${this.#stopReason}) before it started.`, this.#id));
    this.#finalize();
  }

  /** What the current attempt reports; an attempt that is over reports nothing more. */
  readonly #owner: AttemptOwner = {
    state: () => this.state,
    spawned: () => {
      this.#startedAt ??= Date.now();
      if (this.state === 'starting') this.#transition('running', 'spawned');
      this.#started.resolve();
    },
    attached: (child) => {
      if (child.input) this.#host.stdin.attach(child.input, (e) => this.#host.tell('error', e));
    },
    data: (stream, data) => {
      if (!this.#idleByEvents) this.#attempt?.touch();
      this.#host.fanout.push(stream, data);
    },
    error: (error) => this.#host.tell('error', error),
    orphans: (found) => this.#host.tell('orphans', found),
    stoppingOrphans: () => {
      if (this.state === 'running' || this.state === 'paused') this.#transition('stopping', 'orphans');
    },
    sampled: (metrics) => this.#host.tell('metrics', metrics),
    cpuHigh: (high) => this.#host.tell('cpu-high', high),
    memoryLimit: () => void this.stop('memory-limit', {}).catch(() => {}),
    idle: (idleMs) => {
      const idle = { idleMs, action: this.#o.idle!.action };
      this.#host.tell('idle', idle);
      if (idle.action === 'stop') void this.stop('idle', {}).catch(() => {});
    },
    leader: (pid, running) => this.#host.leader(pid, running),
    ended: (end) => this.#attemptEnded(end),
    internalFailure: (what, err) => this.#internalFailure(what, err),
  };

  /** The leader is reaped and its tree and pipes are gone: restart, or end for good. Decided here, on each exit. */
  #attemptEnded(end: AttemptEnd): void {
    this.#last = end;
    if (end.spawnError) {
      this.#started.reject(end.spawnError);
      this.#host.tell('error', end.spawnError);
    }
    // A host stop, a failed spawn or an unkillable survivor ends the process whatever the policy says.
    if (!this.#restart || this.#final || end.spawnError || end.survivors.length > 0) return this.#finalize();
    const step = restartStep(this.#restart, end, this.#stopReason, this.#restarts);
    if (!step.restart) return this.#finalize(step.crashLoop);
    this.#host.fanout.endLines();
    this.#host.stdin.detach();
    this.#transition('backoff', step.reason);
    this.#backoffTimer = setTimeout(
      guarded(
        () => this.#restartNow(),
        (err) => this.#internalFailure('restart', err),
      ),
      step.delayMs,
    );
    this.#host.tell('restart', step.scheduled);
  }

  #restartNow(): void {
    this.#backoffTimer = undefined;
    if (this.state !== 'backoff') return;
    this.#restarts++;
    // Nothing of the last attempt is current any more, for the listeners of `starting` included.
    this.#attempt = undefined;
    this.#last = undefined;
    this.#stopReason = undefined;
    this.#transition('starting', 'restart');
    this.#runAttempt();
  }

  #finalize(crashLoop = false): void {
    if (this.#exit) return;
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#timeoutTimer);
    if (this.#onAbort) this.#o.signal?.removeEventListener('abort', this.#onAbort);
    this.#host.stdin.close();
    this.#host.fanout.close();
    this.#endedAt = Date.now();
    const durationMs = this.#startedAt === null ? null : Math.round((performance.now() - this.#spawnedMono) * 1000) / 1000;
    const exit = exitRecord(this.#last, {
      stopReason: this.#stopReason,
      crashLoop,
      startedAt: this.#startedAt,
      endedAt: this.#endedAt,
      durationMs,
      stderrTail: this.#host.fanout.stderrTail,
      restarts: this.#restarts,
    });
    this.#exit = exit;
    this.#transition(exit.state, exit.reason);
    this.#exited.resolve(exit);
    this.#host.tell('exit', exit);
  }

  async #awaitEnd(): Promise<ProcessExit> {
    const termination = this.#attempt?.termination;
    if (termination) {
      const result = await termination;
      if (result.survivors.length > 0) throw new StopFailedError(result.survivors, this.#id);
    }
    const exit = await this.exited;
    // A stop that began later than this call (a pending one) still reports what outlived it.
    if (exit.survivors.length > 0) throw new StopFailedError(exit.survivors, this.#id);
    return exit;
  }

  #transition(to: ProcessState, reason: StateReason): void {
    this.#host.tell('state', this.#machine.transition(to, reason));
  }

  /** A timer or promise chain of this process failed: told on `error` rather than thrown into the event loop (see guarded). */
  #internalFailure(what: string, err: unknown): void {
    const message = `procward's ${what} for process ${this.#id} failed: ${(err as Error)?.message ?? String(err)}`;
    this.#host.tell('error', new ProcwardError('INTERNAL_FAILED', message, { cause: err, processId: this.#id }));
  }
}
