import { InvalidOptionsError, type ListenerError, NotRunningError, NotSupportedError } from '../errors/procward-error.js';
import { SafeEmitter } from '../events/safe-emitter.js';
import { handled, rejecting } from '../internal/deferred.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import { parseOptions, StopOptionsSchema, type ProcessType, type Scope, type StopOptions } from '../options/schemas.js';
import { OutputBuffer } from '../output/output-buffer.js';
import type { Screen } from '../pty/terminal-screen.js';
import { isTerminal, type ProcessState } from '../state-machine/states.js';
import { ProcessLifecycle } from './lifecycle.js';
import { OutputFanout } from './output-fanout.js';
import type { ResolvedSpawnOptions } from './process-config.js';
import type { ProcessControl } from './process-control.js';
import type { ProcessHooks } from './process-hooks.js';
import { processInfo } from './process-info.js';
import { StdinPort } from './stdin-port.js';
import type { ProcessEvents, ProcessExit, ProcessInfo } from './types.js';
import { waitForEvent, waitForOutput, type OutputWaitOptions, type WaitOptions } from './wait-for.js';

// Set by the class's static block, which alone may reach its private constructor and lifecycle.
let construct: (id: string, options: ResolvedSpawnOptions, hooks: ProcessHooks<ManagedProcess>) => ManagedProcess;
let controlOf: (p: ManagedProcess) => ProcessControl;

/**
 * One supervised child process, as a host sees it: its state, output, stdin, stop and events.
 * Created by ProcessManager.spawn. Its life (state machine, attempts, stops) is a ProcessLifecycle;
 * the manager drives it through the ProcessControl that only the creator holds (createProcess).
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
  readonly #fanout: OutputFanout;
  readonly #stdin: StdinPort;
  readonly #life: ProcessLifecycle;
  readonly #createdAt = Date.now();

  static {
    construct = (id, options, hooks) => new ManagedProcess(id, options, hooks);
    controlOf = (p) => p.#life.control;
  }

  /** Processes are created by ProcessManager.spawn (createProcess). */
  private constructor(id: string, options: ResolvedSpawnOptions, hooks: ProcessHooks<ManagedProcess>) {
    super();
    this.id = id;
    this.#opts = options;
    this.#hooks = hooks;
    this.output = new OutputBuffer({ maxBytes: options.outputMaxBytes });
    this.#fanout = new OutputFanout(this.output, options.stderrTailBytes, {
      chunk: (chunk) => this.#tell('output', chunk),
      line: (line) => this.#tell('line', line),
      wantsLines: () => this.listenerCount('line') > 0 || hooks.wantsLines(),
    });
    this.#stdin = new StdinPort(id, options.stdin, {
      state: () => this.state,
      spawned: () => this.#life.attempt?.child !== undefined,
      leaderExited: () => this.#life.attempt?.leaderExited ?? false,
    });
    this.#life = new ProcessLifecycle(id, options, {
      tell: (event, ...args) => this.#tell(event, ...args),
      leader: (pid, running) => hooks.leader(this, pid, running),
      fanout: this.#fanout,
      stdin: this.#stdin,
    });
    this.started = this.#life.started;
    this.exited = this.#life.exited;
  }

  get pid(): number | undefined {
    return this.#life.attempt?.pid;
  }

  get state(): ProcessState {
    return this.#life.state;
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
    const life = this.#life;
    const times = { createdAt: this.#createdAt, ...life.times };
    return processInfo(this.id, this.#opts, this.state, this.pid, life.attempt?.child?.terminalSize, times, this.output.end, life.restarts, life.exit);
  }

  /** The exit record once terminal, else null. */
  get exit(): ProcessExit | null {
    return this.#life.exit;
  }

  /** An event to this process's listeners, then to its manager. */
  #tell<K extends keyof ProcessEvents>(event: K, ...args: ProcessEvents[K]): void {
    (this.emit as (e: K, ...a: ProcessEvents[K]) => boolean)(event, ...args);
    this.#hooks.event(this, event, ...args);
  }

  /** A throwing listener of this process is reported like its other errors: here and to the manager. */
  protected override listenerFailed(error: ListenerError): void {
    this.#tell('error', error);
  }

  /**
   * Signals the whole tree (default SIGTERM), waits the grace period, then SIGKILLs what is left.
   * Resolves with the exit record once the leader is reaped and no member of the tree is alive;
   * rejects with StopFailedError naming the survivors if something outlives SIGKILL, and with
   * INVALID_OPTIONS for bad options.
   */
  stop(options: StopOptions = {}): Promise<ProcessExit> {
    return rejecting(() => this.#life.stop('stop', parseOptions(StopOptionsSchema, options, 'stop options')));
  }

  /** SIGKILL the whole tree now. */
  kill(): Promise<ProcessExit> {
    return handled(this.#life.stop('kill', { signal: 'SIGKILL' }));
  }

  /** SIGSTOP the whole tree; state `paused`. Throws NOT_RUNNING unless running. */
  pause(): void {
    this.#life.pauseOrResume(true);
  }

  /** SIGCONT the whole tree; state `running`. Throws NOT_RUNNING unless paused. */
  resume(): void {
    this.#life.pauseOrResume(false);
  }

  /**
   * Writes to the child's stdin (spawn with `stdin: 'pipe'`). Resolves when the data is handed to
   * the OS. Rejects (never throws: the rule of every method that returns a promise) with
   * STDIN_UNAVAILABLE or NOT_RUNNING if stdin cannot take data (not piped, ended, or the process not
   * running), or with STDIN_FAILED (e.g. the child closed its stdin).
   */
  write(data: string | Uint8Array): Promise<void> {
    return rejecting(() => this.#stdin.write(data));
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
    return this.#life.attempt?.metrics();
  }

  /** Resizes the terminal of a PTY process (the child gets SIGWINCH). Pipe processes have no terminal. */
  resize(cols: number, rows: number): void {
    if (!this.#opts.pty) {
      throw new NotSupportedError(`Cannot resize ${this.id} to ${cols}x${rows}: it runs on pipes, not a pseudo-terminal; spawn with pty: true to get one.`, this.id);
    }
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new InvalidOptionsError('resize', [{ path: 'cols/rows', message: `expected positive integers, got ${cols}x${rows}` }]);
    }
    const attempt = this.#life.attempt;
    const child = attempt?.child;
    if (isTerminal(this.state) || attempt?.leaderExited || !child?.resize) {
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
    const size = this.#life.attempt?.child?.terminalSize;
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
  const process = construct(id, options, hooks);
  return { process, control: controlOf(process) };
}
