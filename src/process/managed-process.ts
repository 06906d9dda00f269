import { InvalidOptionsError, type ListenerError, NotRunningError, NotSupportedError, ProcwardError, StopFailedError } from '../errors/procward-error.js';
import { SafeEmitter } from '../events/safe-emitter.js';
import { deferred, handled } from '../internal/deferred.js';
import { guarded } from '../internal/guarded.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import { parseOptions, StopOptionsSchema, type ProcessType, type Scope, type StopOptions } from '../options/schemas.js';
import { resolveStopSequence } from '../options/stop-sequence.js';
import { OutputBuffer } from '../output/output-buffer.js';
import type { Screen } from '../pty/terminal-screen.js';
import { RestartPolicy } from '../restart/restart-policy.js';
import { StateMachine } from '../state-machine/state-machine.js';
import { isHostStop, isTerminal, type ProcessState, type StateReason, type StopReason } from '../state-machine/states.js';
import { Attempt, type AttemptEnd, type AttemptOwner } from './attempt.js';
import { exitRecord, exitVerdict } from './exit-verdict.js';
import { launch } from './launch.js';
import { OutputFanout } from './output-fanout.js';
import type { ResolvedSpawnOptions } from './process-config.js';
import type { ProcessControl } from './process-control.js';
import type { ProcessHooks } from './process-hooks.js';
import { processInfo } from './process-info.js';
import { StdinPort } from './stdin-port.js';
import type { ProcessEvents, ProcessExit, ProcessInfo } from './types.js';
import { waitForEvent, waitForOutput, type OutputWaitOptions, type WaitOptions } from './wait-for.js';

let controlOf: (p: ManagedProcess) => ProcessControl;

/**
 * One supervised child process: the public face of its state machine, output, stdin and stop, and
 * the restart loop over its attempts (attempt.ts: one child's life each). Created by
 * ProcessManager.spawn; the manager owns the queue and the registry and drives the process through
 * the ProcessControl that only it holds.
 */
export class ManagedProcess extends SafeEmitter<ProcessEvents> {
  readonly id: string;
  readonly output: OutputBuffer;
  /** Resolves once the child is running; rejects if it fails to start or is stopped while queued. */
  readonly started: Promise<void>;
  /** Resolves with the exit record once the process and its tree are gone. Never rejects. */
  readonly exited: Promise<ProcessExit>;

  readonly #opts: ResolvedSpawnOptions;
  readonly #hooks: ProcessHooks<ManagedProcess>;
  readonly #machine: StateMachine;
  readonly #fanout: OutputFanout;
  readonly #stdin: StdinPort;
  readonly #startedDeferred = deferred<void>();
  readonly #exitedDeferred = deferred<ProcessExit>();
  readonly #createdAt = Date.now();
  readonly #restart: RestartPolicy | undefined;
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

  static {
    controlOf = (p) => p.#control;
  }

  /** @internal Use ProcessManager.spawn. */
  constructor(id: string, options: ResolvedSpawnOptions, hooks: ProcessHooks<ManagedProcess>) {
    super();
    this.id = id;
    this.#opts = options;
    this.#hooks = hooks;
    this.#machine = new StateMachine('queued', id);
    this.output = new OutputBuffer({ maxBytes: options.outputMaxBytes });
    this.#restart = options.restart && options.restart.mode !== 'never' ? new RestartPolicy(options.restart) : undefined;
    this.#fanout = new OutputFanout(this.output, options.stderrTailBytes, {
      chunk: (chunk) => {
        this.emit('output', chunk);
        hooks.output(this, chunk);
      },
      line: (line) => {
        this.emit('line', line);
        hooks.line(this, line);
      },
      wantsLines: () => this.listenerCount('line') > 0 || hooks.wantsLines(),
    });
    const self = this;
    this.#stdin = new StdinPort(
      {
        id,
        get state() {
          return self.state;
        },
        get spawned() {
          return self.#attempt?.child !== undefined;
        },
        get leaderExited() {
          return self.#attempt?.leaderExited ?? false;
        },
      },
      options.stdin,
    );
    this.started = handled(this.#startedDeferred.promise);
    this.exited = this.#exitedDeferred.promise;
    if (options.signal) {
      // Listening from creation on: an abort while queued ends the process before it starts.
      this.#onAbort = () => void this.#stopWith('abort', {}).catch(() => {});
      options.signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  get pid(): number | undefined {
    return this.#attempt?.pid;
  }

  get state(): ProcessState {
    return this.#machine.state;
  }

  get label(): string | undefined {
    return this.#opts.label;
  }

  get type(): ProcessType {
    return this.#opts.type;
  }

  get scope(): Scope | undefined {
    return this.#opts.scope;
  }

  /** Outlives the host (spawn option persist). */
  get persist(): boolean {
    return this.#opts.persist;
  }

  /** A plain, JSON-serialisable snapshot. */
  get info(): ProcessInfo {
    const times = { createdAt: this.#createdAt, startedAt: this.#startedAt, endedAt: this.#endedAt };
    return processInfo(this.id, this.#opts, this.state, this.pid, this.#attempt?.child?.terminalSize, times, this.output.end, this.#restarts, this.#exit);
  }

  /** The exit record once terminal, else null. */
  get exit(): ProcessExit | null {
    return this.#exit;
  }

  // ── the attempts ───────────────────────────────────────────────────────────

  readonly #control: ProcessControl = {
    start: () => {
      if (this.state !== 'queued') return this.exited;
      this.#transition('starting', 'start');
      this.#spawnedMono = performance.now();
      // The deadline is the process's, not an attempt's: restarts do not extend it.
      if (this.#opts.timeoutMs !== undefined) {
        this.#timeoutTimer = setTimeout(() => void this.#stopWith('timeout', {}).catch(() => {}), this.#opts.timeoutMs);
      }
      this.#runAttempt();
      return this.exited;
    },
    cancelQueued: (reason) => {
      if (this.state !== 'queued') return;
      this.#stopReason = reason;
      this.#startedDeferred.reject(new NotRunningError(`Process ${this.id} was stopped (${reason}) before it started.`, this.id));
      this.#finalize();
    },
    stopFor: (reason, options) => handled(this.#stopWith(reason, options)),
    killSync: () => {
      if (!this.#exit && !this.#opts.persist) this.#attempt?.killSync();
    },
    adopt: (startedAt, begin) => {
      if (this.state !== 'queued') return;
      this.#transition('starting', 'recover');
      this.#spawnedMono = performance.now();
      this.#startedAt = startedAt;
      this.#attempt = new Attempt(this.id, this.#opts, this.#owner);
      begin(this.#attempt);
    },
    detach: () => {
      if (!this.#opts.persist) return;
      clearTimeout(this.#timeoutTimer);
      this.#attempt?.detach();
    },
    idleByEvents: () => {
      this.#idleByEvents = true;
    },
    touch: () => this.#attempt?.touch(),
  };

  #runAttempt(): void {
    if (this.#restart) this.output.mark(this.#restarts);
    // A stop that came while `starting` was announced (a state listener calling stop()) wins:
    // nothing is spawned, and the record says stopped.
    if (this.state === 'stopping') {
      this.#startedDeferred.reject(new NotRunningError(`Process ${this.id} was stopped (${this.#stopReason}) before it started.`, this.id));
      return this.#finalize();
    }
    this.#attempt = new Attempt(this.id, this.#opts, this.#owner);
    launch(this.#opts, this.#attempt);
  }

  /** What the current attempt reports; an attempt that is over reports nothing more. */
  readonly #owner: AttemptOwner = {
    state: () => this.state,
    spawned: () => {
      this.#startedAt ??= Date.now();
      if (this.state === 'starting') this.#transition('running', 'spawned');
      this.#startedDeferred.resolve();
    },
    attached: (child) => {
      if (child.input) this.#stdin.attach(child.input, (e) => this.#emitError(e));
    },
    data: (stream, data) => {
      if (!this.#idleByEvents) this.#attempt?.touch();
      this.#fanout.push(stream, data);
    },
    error: (error) => this.#emitError(error),
    orphans: (found) => {
      this.emit('orphans', found);
      this.#hooks.orphans(this, found);
    },
    stoppingOrphans: () => {
      if (this.state === 'running' || this.state === 'paused') this.#transition('stopping', 'orphans');
    },
    sampled: (metrics) => {
      this.emit('metrics', metrics);
      this.#hooks.metrics(this, metrics);
    },
    cpuHigh: (high) => {
      this.emit('cpu-high', high);
      this.#hooks.cpuHigh(this, high);
    },
    memoryLimit: () => void this.#stopWith('memory-limit', {}).catch(() => {}),
    idle: (idleMs) => {
      const idle = { idleMs, action: this.#opts.idle!.action };
      this.emit('idle', idle);
      this.#hooks.idle(this, idle);
      if (idle.action === 'stop') void this.#stopWith('idle', {}).catch(() => {});
    },
    leader: (pid, running) => this.#hooks.leader(this, pid, running),
    ended: (end) => this.#attemptEnded(end),
    internalFailure: (what, err) => this.#internalFailure(what, err),
  };

  /** The leader is reaped and its tree and pipes are gone: restart, or end for good. Decided here, on each exit. */
  #attemptEnded(end: AttemptEnd): void {
    this.#last = end;
    if (end.spawnError) {
      this.#startedDeferred.reject(end.spawnError);
      this.#emitError(end.spawnError);
    }
    const policy = this.#restart;
    // A host stop, a failed spawn or an unkillable survivor ends the process whatever the policy says.
    if (!policy || this.#final || end.spawnError || end.survivors.length > 0) return this.#finalize();
    const verdict = exitVerdict({ spawnFailed: false, stopReason: this.#stopReason, code: end.code, signal: end.signal, survivors: 0 });
    const failed = verdict.state === 'failed' || verdict.reason === 'idle' || verdict.reason === 'memory-limit';
    const decision = policy.decide({ failed, uptimeMs: end.uptimeMs }, performance.now());
    if (!decision.restart) return this.#finalize(decision.crashLoop);

    this.#fanout.endLines();
    this.#stdin.detach();
    this.#transition('backoff', verdict.reason);
    this.#backoffTimer = setTimeout(guarded(() => this.#restartNow(), (err) => this.#internalFailure('restart', err)), decision.delayMs);
    const previous = { attempt: this.#restarts, code: end.code, signal: end.signal, reason: verdict.reason, uptimeMs: Math.round(end.uptimeMs) };
    const scheduled = { attempt: decision.restarts, delayMs: decision.delayMs, failedStarts: policy.failedStarts, previous };
    this.emit('restart', scheduled);
    this.#hooks.restart(this, scheduled);
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
    if (this.#onAbort) this.#opts.signal?.removeEventListener('abort', this.#onAbort);
    this.#stdin.close();
    this.#fanout.close();
    this.#endedAt = Date.now();
    const durationMs = this.#startedAt === null ? null : Math.round((performance.now() - this.#spawnedMono) * 1000) / 1000;
    const exit = exitRecord(this.#last, { stopReason: this.#stopReason, crashLoop, startedAt: this.#startedAt, endedAt: this.#endedAt, durationMs, stderrTail: this.#fanout.stderrTail, restarts: this.#restarts });
    this.#exit = exit;
    this.#transition(exit.state, exit.reason);
    this.#exitedDeferred.resolve(exit);
    this.emit('exit', exit);
    this.#hooks.exit(this, exit);
  }

  #transition(to: ProcessState, reason: StateReason): void {
    const change = this.#machine.transition(to, reason);
    this.emit('state', change);
    this.#hooks.state(this, change);
  }

  #emitError(error: ProcwardError): void {
    this.emit('error', error);
    this.#hooks.error(this, error);
  }

  /** A timer or promise chain of this process failed: told on `error` rather than thrown into the event loop (see guarded). */
  #internalFailure(what: string, err: unknown): void {
    this.#emitError(new ProcwardError('INTERNAL_FAILED', `procward's ${what} for process ${this.id} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err, processId: this.id }));
  }

  /** A throwing listener of this process is reported like its other errors: here and to the manager. */
  protected override listenerFailed(error: ListenerError): void {
    this.#emitError(error);
  }

  // ── control ────────────────────────────────────────────────────────────────

  /**
   * Signals the whole tree (default SIGTERM), waits the grace period, then SIGKILLs what is left.
   * Resolves with the exit record once the leader is reaped and no member of the tree is alive;
   * rejects with StopFailedError naming the survivors if something outlives SIGKILL.
   */
  stop(options: StopOptions = {}): Promise<ProcessExit> {
    let parsed: StopOptions;
    try {
      parsed = parseOptions(StopOptionsSchema, options, 'stop options');
    } catch (err) {
      return handled(Promise.reject(err));
    }
    return handled(this.#stopWith('stop', parsed));
  }

  /** SIGKILL the whole tree now. */
  kill(): Promise<ProcessExit> {
    return handled(this.#stopWith('kill', { signal: 'SIGKILL' }));
  }

  async #stopWith(reason: StopReason, options: StopOptions): Promise<ProcessExit> {
    if (this.#exit) return this.#exit;
    if (isHostStop(reason)) this.#final = true;
    if (this.state === 'queued') {
      this.#control.cancelQueued(reason);
      return this.exited;
    }
    if (this.state === 'backoff') {
      // Nothing is running between attempts: cancelling the restart is the whole stop.
      this.#stopReason = reason;
      this.#finalize();
      return this.exited;
    }
    const steps = resolveStopSequence(options, this.#opts.stop);
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

  async #awaitEnd(): Promise<ProcessExit> {
    const termination = this.#attempt?.termination;
    if (termination) {
      const result = await termination;
      if (result.survivors.length > 0) throw new StopFailedError(result.survivors, this.id);
    }
    const exit = await this.exited;
    // A stop that began later than this call (a pending one) still reports what outlived it.
    if (exit.survivors.length > 0) throw new StopFailedError(exit.survivors, this.id);
    return exit;
  }

  /** SIGSTOP the whole tree; state `paused`. */
  pause(): void {
    if (this.state !== 'running' || !this.#attempt?.signal('SIGSTOP')) {
      throw new NotRunningError(`Cannot pause process ${this.id}: it is ${this.state}; only a running process can be paused.`, this.id);
    }
    this.#transition('paused', 'pause');
  }

  /** SIGCONT the whole tree; state `running`. */
  resume(): void {
    if (this.state !== 'paused' || !this.#attempt?.signal('SIGCONT')) {
      throw new NotRunningError(`Cannot resume process ${this.id}: it is ${this.state}; only a paused process can be resumed.`, this.id);
    }
    this.#transition('running', 'resume');
  }

  /**
   * Writes to the child's stdin (spawn with `stdin: 'pipe'`). Resolves when the data is handed to
   * the OS. Rejects (never throws: the rule of every method that returns a promise) with
   * STDIN_UNAVAILABLE or NOT_RUNNING if stdin cannot take data (not piped, ended, or the process not
   * running), or with STDIN_FAILED (e.g. the child closed its stdin).
   */
  write(data: string | Uint8Array): Promise<void> {
    try {
      return this.#stdin.write(data);
    } catch (err) {
      return handled(Promise.reject(err));
    }
  }

  /** Closes the child's stdin (end of input). */
  end(): void {
    this.#stdin.end();
  }

  /**
   * The latest sample of the tree's CPU and memory. A process that is not sampled periodically is
   * sampled now (its cpuPercent is then null: CPU use needs two samples). Undefined before the
   * process started, and after its exit when it was never sampled.
   */
  metrics(): ProcessMetrics | undefined {
    return this.#attempt?.metrics();
  }

  /** Resizes the terminal of a PTY process (the child gets SIGWINCH). Pipe processes have no terminal. */
  resize(cols: number, rows: number): void {
    if (!this.#opts.pty) {
      throw new NotSupportedError(`Cannot resize ${this.id} to ${cols}x${rows}: it runs on pipes, not a pseudo-terminal; spawn with pty: true to get one.`, this.id);
    }
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new InvalidOptionsError('resize', [{ path: 'cols/rows', message: `expected positive integers, got ${cols}x${rows}` }]);
    }
    const child = this.#attempt?.child;
    if (isTerminal(this.state) || this.#attempt?.leaderExited || !child?.resize) {
      throw new NotRunningError(`Cannot resize ${this.id}: ${child ? 'the process has exited' : 'it has not started yet'} (state ${this.state}).`, this.id);
    }
    child.resize(cols, rows);
    this.#fanout.resizeScreen(cols, rows);
  }

  /**
   * The terminal's screen as a person would see it (text rows and cursor), from a headless
   * emulator fed with this process's output. Created on the first call, from the output buffer;
   * processes that never ask pay nothing. Also works after exit (the last screen).
   */
  screen(): Promise<Screen> {
    const t = this.#opts.pty;
    if (!t) return handled(Promise.reject(new NotSupportedError(`Process ${this.id} runs on pipes and has no screen; spawn with pty: true to get one.`, this.id)));
    const size = this.#attempt?.child?.terminalSize;
    return handled(this.#fanout.screen(size?.cols ?? t.cols, size?.rows ?? t.rows));
  }

  /**
   * Resolves with the payload of the next `event` for which `predicate` holds (every one, without a
   * predicate). Rejects with WAIT_FAILED (WaitFailedError: `reason` exited, timeout or aborted) if
   * the process ends first, `timeoutMs` passes or `signal` aborts; `waitFor('exit')` resolves with
   * the exit record, also once the process has ended.
   * @example const change = await p.waitFor('state', (c) => c.to === 'running', { timeoutMs: 5000 });
   */
  waitFor<K extends keyof ProcessEvents>(event: K, predicate?: (...args: ProcessEvents[K]) => boolean, options?: WaitOptions): Promise<ProcessEvents[K][0]> {
    return waitForEvent(this, event, predicate, options);
  }

  /**
   * Resolves with the match once the output (what the buffer holds, then what comes) matches
   * `pattern` (a string matches literally). Matched per stream, across chunk boundaries. Rejects
   * like waitFor: WAIT_FAILED when the process ends first, on `timeoutMs` or on `signal`.
   * @example const [, port] = await p.waitForOutput(/listening on (\d+)/, { timeoutMs: 10_000 });
   */
  waitForOutput(pattern: RegExp | string, options?: OutputWaitOptions): Promise<RegExpExecArray> {
    return waitForOutput(this, pattern, options);
  }
}

/** @internal Creates a process and the control that drives it; the control goes only to the caller. */
export function createProcess(id: string, options: ResolvedSpawnOptions, hooks: ProcessHooks<ManagedProcess>): { process: ManagedProcess; control: ProcessControl } {
  const process = new ManagedProcess(id, options, hooks);
  return { process, control: controlOf(process) };
}
