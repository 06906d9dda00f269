import { InvalidOptionsError, type ListenerError, NotRunningError, NotSupportedError, ProcwardError, SpawnFailedError, StopFailedError, type Survivor } from '../errors/procward-error.js';
import { SafeEmitter } from '../events/safe-emitter.js';
import { parseOptions, StopOptionsSchema, type ProcessType, type Scope, type StopOptions } from '../options/schemas.js';
import { OutputBuffer, type OutputStream } from '../output/output-buffer.js';
import { StreamLines } from './stream-lines.js';
import { TailBuffer } from '../output/tail-buffer.js';
import { StateMachine } from '../state-machine/state-machine.js';
import { isTerminal, type ProcessState, type StateReason, type StopReason } from '../state-machine/states.js';
import { PERSIST_ENV, ProcessTree } from '../tree/process-tree.js';
import { forksBeforeSpawn } from '../tree/pid-window.js';
import { resolveStopSequence, type ResolvedStopStep } from '../options/stop-sequence.js';
import { IdleWatch } from '../monitor/idle-watch.js';
import { ProcessMonitor } from '../monitor/process-monitor.js';
import type { ProcessMetrics } from '../monitor/tree-metrics.js';
import { terminateTree, type TerminateResult } from '../tree/terminate.js';
import { childEnv } from '../spawn/child-env.js';
import type { ChildEvents, ChildHandle } from '../spawn/child-handle.js';
import { spawnPipeChild } from '../spawn/pipe-child.js';
import { withDeathSignal } from '../spawn/death-signal.js';
import { preflightArgSize, preflightSpawn } from '../spawn/preflight.js';
import { spawnPtyChild } from '../pty/pty-child.js';
import { loadNativePty, type LoadedPty } from '../pty/native-pty.js';
import type { PtyUnavailableError } from '../errors/pty-unavailable-error.js';
import { adoptTmuxSession, spawnTmuxChild } from '../tmux/tmux-child.js';
import { TerminalScreen, type Screen } from '../pty/terminal-screen.js';
import { ADOPT, CANCEL_QUEUED, DETACH, IDLE_BY_EVENTS, KILL_SYNC, START, STOP_FOR, TOUCH } from './internal.js';
import { adoptSpooledChild, spawnSpooledChild } from '../spool/spooled-child.js';
import { readSpool } from '../spool/spool-reader.js';
import { diagnoseSpawnError } from '../spawn/spawn-error.js';
import { exitVerdict } from './exit-verdict.js';
import { StdinPort } from './stdin-port.js';
import type { ProcessHooks, ResolvedSpawnOptions } from './process-config.js';
import { deferred, handled } from '../internal/deferred.js';
import { guarded } from '../internal/guarded.js';
import { RestartPolicy } from '../restart/restart-policy.js';
import type { AttemptExit, OrphansFound, ProcessEvents, ProcessExit, ProcessInfo } from './types.js';

/** Stops the host asked for (directly or by a deadline it set): they end the process for good. */
const HOST_STOPS: ReadonlySet<StopReason> = new Set(['stop', 'kill', 'timeout', 'abort', 'scope', 'shutdown']);

/**
 * One supervised child process: its state machine, its output, its stdin and its stop.
 * Created by ProcessManager.spawn; the manager owns the queue and the registry.
 *
 * With a restart policy a process runs in attempts under one id: everything from the child
 * handle to the stop in progress belongs to the current attempt and is replaced when the next
 * one starts; the output, the stdin port, the deadline and the exit promise span them all.
 */
export class ManagedProcess extends SafeEmitter<ProcessEvents> {
  readonly id: string;
  readonly output: OutputBuffer;
  /** Resolves once the child is running; rejects if it fails to start or is stopped while queued. */
  readonly started: Promise<void>;
  /** Resolves with the exit record once the process and its tree are gone. Never rejects. */
  readonly exited: Promise<ProcessExit>;

  readonly #opts: ResolvedSpawnOptions;
  readonly #hooks: ProcessHooks;
  readonly #machine: StateMachine;
  readonly #stderrTail: TailBuffer;
  readonly #startedDeferred = deferred<void>();
  readonly #exitedDeferred = deferred<ProcessExit>();
  #leaderGone = deferred<void>();
  #escalate = deferred<void>();
  readonly #createdAt = Date.now();
  readonly #stdin: StdinPort;

  #child: ChildHandle | undefined;
  #screen: TerminalScreen | undefined;
  readonly #splitters = new Map<OutputStream, StreamLines>();
  #screenReady: Promise<TerminalScreen> | undefined;
  #outputOpen = false;
  #tree: ProcessTree | undefined;
  #monitor: ProcessMonitor | undefined;
  #idle: IdleWatch | undefined;
  #idleByEvents = false;
  #startedAt: number | null = null;
  #spawnedMono = 0;
  #endedAt: number | null = null;
  #exit: ProcessExit | null = null;
  #code: number | null = null;
  #signal: NodeJS.Signals | null = null;
  #leaderExited = false;
  #spawnError: SpawnFailedError | PtyUnavailableError | undefined;
  #stopReason: StopReason | undefined;
  #termination: Promise<TerminateResult> | undefined;
  /** A stop asked for while starting, before there was a tree to signal. */
  #pendingStop: readonly ResolvedStopStep[] | undefined;
  /** The leader exited with its pipes open; the orphan check waits for them (drain timer or close). */
  #drainCheckPending = false;
  #terminating = false;
  #survivors: Survivor[] = [];
  #orphans: number[] = [];
  #drainTimer: NodeJS.Timeout | undefined;
  #timeoutTimer: NodeJS.Timeout | undefined;
  #onAbort: (() => void) | undefined;
  readonly #restart: RestartPolicy | undefined;
  #attempt = 0;
  #attemptMono = 0;
  #forksBefore = 0;
  #backoffTimer: NodeJS.Timeout | undefined;
  /** The host stopped it: whatever the attempt's verdict, it is not restarted. */
  #final = false;

  /** @internal Use ProcessManager.spawn. */
  constructor(id: string, options: ResolvedSpawnOptions, hooks: ProcessHooks) {
    super();
    this.id = id;
    this.#opts = options;
    this.#hooks = hooks;
    this.#machine = new StateMachine('queued', id);
    this.output = new OutputBuffer({ maxBytes: options.outputMaxBytes });
    this.#restart = options.restart && options.restart.mode !== 'never' ? new RestartPolicy(options.restart) : undefined;
    this.#stderrTail = new TailBuffer(options.stderrTailBytes);
    const self = this;
    this.#stdin = new StdinPort(
      {
        id,
        get state() {
          return self.state;
        },
        get spawned() {
          return self.#child !== undefined;
        },
        get leaderExited() {
          return self.#leaderExited;
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
    return this.#child?.pid;
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

  get info(): ProcessInfo {
    const o = this.#opts;
    return {
      id: this.id,
      command: o.command,
      args: [...o.args],
      cwd: o.cwd,
      label: o.label,
      type: o.type,
      scope: o.scope ? { ...o.scope } : undefined,
      metadata: { ...o.metadata },
      state: this.state,
      pid: this.pid,
      stdin: o.stdin,
      shell: o.shell,
      pty: o.pty
        ? { cols: this.#child?.terminalSize?.cols ?? o.pty.cols, rows: this.#child?.terminalSize?.rows ?? o.pty.rows, ...(o.pty.tmux ? { tmux: { ...o.pty.tmux } } : {}) }
        : null,
      createdAt: this.#createdAt,
      startedAt: this.#startedAt,
      endedAt: this.#endedAt,
      outputBytes: this.output.end,
      restarts: this.#attempt,
      persist: o.persist,
      exit: this.#exit ? { ...this.#exit } : null,
    };
  }

  /** The exit record once terminal, else null. */
  get exit(): ProcessExit | null {
    return this.#exit;
  }

  // ── lifecycle ──────────────────────────────────────────────────────────────

  /** Called by the manager when the queue lets this process start. Resolves when terminal. */
  [START](): Promise<ProcessExit> {
    if (this.state !== 'queued') return this.exited;
    this.#transition('starting', 'start');
    this.#spawnedMono = performance.now();
    // The deadline is the process's, not an attempt's: restarts do not extend it.
    if (this.#opts.timeoutMs !== undefined) {
      this.#timeoutTimer = setTimeout(() => void this.#stopWith('timeout', {}).catch(() => {}), this.#opts.timeoutMs);
    }
    this.#runAttempt();
    return this.exited;
  }

  /** Spawns the child of the current attempt. */
  #runAttempt(): void {
    const o = this.#opts;
    this.#attemptMono = performance.now();
    if (this.#restart) this.output.mark(this.#attempt);
    // A stop that came while `starting` was announced (a state listener calling stop()) wins:
    // nothing is spawned.
    if (this.state === 'stopping') return this.#endBeforeSpawn();
    const events = this.#restart ? this.#eventsOfAttempt(this.#attempt) : this.#childEvents;
    try {
      const forksBefore = forksBeforeSpawn();
      const env = childEnv(o.env, o.inheritEnv, this.id, o.managerId, o.pty !== undefined);
      if (o.pty) {
        this.#startTerminal(env, forksBefore, events);
      } else if (o.persist) {
        const spool = o.spool;
        this.#startChild(
          () => {
            if (!spool) throw new Error(`its spool directory in stateDir is not a plain directory (a symlink?): the output of a persisted process would go wherever it points`);
            return spawnSpooledChild({ command: o.command, args: o.args, cwd: o.cwd, env: { ...env, [PERSIST_ENV]: '1' }, shell: o.shell, spoolDir: spool.dir, spool: { maxBytes: spool.maxBytes } }, events);
          },
          forksBefore,
          events,
        );
      } else if (o.setpriv) {
        // setpriv would report a failed exec only as text and exit code 127: check first, as for terminals.
        const run = withDeathSignal(o.setpriv, o.command, o.args, o.shell);
        const problem = preflightSpawn(o.shell ? (typeof o.shell === 'string' ? o.shell : '/bin/sh') : o.command, o.cwd, env) ?? preflightArgSize(run.command, run.args, env);
        if (problem) events.spawnFailed(problem);
        else this.#startChild(() => spawnPipeChild({ command: run.command, args: run.args, cwd: o.cwd, env, shell: false, stdin: o.stdin }, events), forksBefore, events);
      } else {
        this.#startChild(() => spawnPipeChild({ command: o.command, args: o.args, cwd: o.cwd, env, shell: o.shell, stdin: o.stdin }, events), forksBefore, events);
      }
    } catch (err) {
      // Whatever throws while the spawn is prepared is a spawn failure like any other: reported on
      // the process, after the caller of spawn() could attach its listeners, never out of spawn().
      this.#spawnThrew(err, events);
      return;
    }
    if (o.idle) {
      const { timeoutMs, action } = o.idle;
      this.#idle = new IdleWatch(timeoutMs, (idleMs) => {
        this.emit('idle', { idleMs, action });
        if (action === 'stop') void this.#stopWith('idle', {}).catch(() => {});
      });
      // A child that fails to spawn never reports `spawned`; one that does starts the watch then.
    }
  }

  /**
   * Takes over a persisted process a previous host started (pm.recover): same id, its output
   * followed from the spool from `since`, its tree stopped like any other.
   */
  [ADOPT](pid: number, startTicks: number, startedAt: number | null): void {
    if (this.state !== 'queued') return;
    this.#transition('starting', 'recover');
    this.#spawnedMono = performance.now();
    this.#attemptMono = this.#spawnedMono;
    this.#startedAt = startedAt;
    // What the buffer can hold of the spool, read now without events (nobody listens yet), then follow.
    const dir = this.#opts.spool?.dir;
    let since = 0;
    try {
      if (!dir) throw new Error('no trusted spool');
      const { end } = readSpool(dir, { limit: 0 });
      const held = readSpool(dir, { since: Math.max(0, end - this.#opts.outputMaxBytes) });
      this.output.startAt(held.from);
      this.output.append(this.#opts.pty ? 'pty' : 'stdout', held.data);
      since = held.to;
    } catch {
      /* no spool (yet, or none that can be trusted): the process has written nothing */
    }
    const tmux = this.#opts.pty?.tmux;
    if (tmux) {
      this.#adoptTmux(pid, tmux);
      return;
    }
    this.#child = adoptSpooledChild(pid, startTicks, dir, since, this.#childEvents);
    this.#outputOpen = true;
    this.#watchTree(pid);
  }

  /**
   * The session goes on in its tmux server; a new control client follows it from now on.
   * adoptTmuxSession reports `spawned` before it resolves with the handle: passed on as it comes,
   * `started` would resolve (and a write() right after it fail with NOT_RUNNING) while the
   * handle and its stdin were not attached yet. So `spawned` is held until they are.
   */
  #adoptTmux(pid: number, tmux: { session: string; socket: string }): void {
    this.#outputOpen = true;
    this.#watchTree(pid);
    let attached = false;
    let spawnedEarly = false;
    const events: ChildEvents = {
      ...this.#childEvents,
      spawned: () => {
        if (attached) this.#childEvents.spawned();
        else spawnedEarly = true;
      },
    };
    const fail = (why: string, cause?: unknown) =>
      this.#failSpawn(new SpawnFailedError(`Cannot take over tmux session ${tmux.session}: ${why}`, 'other', { cause, processId: this.id }));
    adoptTmuxSession(tmux.session, tmux.socket, events)
      .then(
        (handle) => {
          if (!handle) return fail('it is gone.');
          if (handle.pid !== undefined && handle.pid !== pid) {
            // Another command runs in a session of that name now: not the process the ledger names.
            handle.closeOutput();
            return fail(`it runs pid ${handle.pid}, not the recorded ${pid}.`);
          }
          this.#child = handle;
          if (handle.input) this.#stdin.attach(handle.input, (e) => this.#emitError(e));
          attached = true;
          if (spawnedEarly) this.#childEvents.spawned();
        },
        // A name tmux would not take literally (INVALID_OPTIONS), a failing tmux: the process fails
        // like a spawn that failed, rather than an unhandled rejection and a process stuck in `starting`.
        (err: unknown) => fail((err as Error)?.message ?? String(err), err),
      )
      .catch((err: unknown) => this.#internalFailure('tmux take-over', err));
  }

  /** The host goes and leaves this persisted process running: stop following its output. */
  [DETACH](): void {
    if (!this.#opts.persist || this.#leaderExited) return;
    this.#monitor?.stop();
    this.#idle?.stop();
    clearTimeout(this.#timeoutTimer);
    this.#child?.closeOutput();
  }

  get persist(): boolean {
    return this.#opts.persist;
  }

  /** A persisted process on pipes writes its spool itself; everything else is spooled by the manager. */
  get writesOwnSpool(): boolean {
    return this.#opts.persist && !this.#opts.pty;
  }

  /** Ends a process that never left the queue. */
  [CANCEL_QUEUED](reason: StopReason): void {
    if (this.state !== 'queued') return;
    this.#stopReason = reason;
    this.#startedDeferred.reject(new NotRunningError(`Process ${this.id} was stopped (${reason}) before it started.`, this.id));
    this.#finalize();
  }

  #startChild(spawnIt: () => ChildHandle, forksBefore: number, events: ChildEvents): void {
    let child: ChildHandle;
    try {
      child = spawnIt();
    } catch (err) {
      this.#spawnThrew(err, events);
      return;
    }
    this.#attach(child, forksBefore);
  }

  /**
   * A spawn that threw synchronously. Node throws, rather than emitting `error`, for every errno
   * but a few (E2BIG, ENOTDIR of the cwd, …): those go through the same diagnosis as the others, so
   * the kinds and messages do not depend on how the OS error arrived. Anything else (a failed
   * forkpty) is kind `other`. Always asynchronous.
   */
  #spawnThrew(err: unknown, events: ChildEvents): void {
    const errno = (err as NodeJS.ErrnoException)?.code;
    if (typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno)) {
      events.spawnFailed(err as NodeJS.ErrnoException);
      return;
    }
    const o = this.#opts;
    queueMicrotask(() =>
      this.#failSpawn(new SpawnFailedError(`Cannot spawn "${o.command}": ${(err as Error)?.message ?? String(err)}`, 'other', { cause: err, processId: this.id })),
    );
  }

  /** A stop won before the attempt's child was spawned: nothing to signal; the record says stopped. */
  #endBeforeSpawn(): void {
    this.#leaderExited = true;
    this.#startedDeferred.reject(new NotRunningError(`Process ${this.id} was stopped (${this.#stopReason}) before it started.`, this.id));
    this.#finalize();
  }

  /**
   * A terminal child reports a failed exec only as text and exit code 1: check first. The addon is
   * loaded here, on the first node-pty spawn; without one the process fails to start the way a
   * missing command does (never a throw from spawn()), with PTY_UNAVAILABLE.
   */
  #startTerminal(env: Record<string, string>, forksBefore: number, events: ChildEvents): void {
    const o = this.#opts;
    let pty: LoadedPty | undefined;
    if (!o.pty!.tmux) {
      try {
        pty = loadNativePty(this.id);
      } catch (err) {
        queueMicrotask(() => this.#failSpawn(err as PtyUnavailableError));
        return;
      }
    }
    const problem = preflightSpawn(o.command, o.cwd, env) ?? preflightArgSize(o.command, o.args, env);
    if (problem) {
      events.spawnFailed(problem);
      return;
    }
    const t = o.pty!;
    if (t.tmux) {
      const { session, socket } = t.tmux;
      const tmuxEnv = o.persist ? { ...env, [PERSIST_ENV]: '1' } : env;
      this.#startChild(() => spawnTmuxChild({ command: o.command, args: o.args, cwd: o.cwd, env: tmuxEnv, cols: t.cols, rows: t.rows, name: t.name, session, socket }, events), forksBefore, events);
      return;
    }
    this.#startChild(
      () => spawnPtyChild({ command: o.command, args: o.args, cwd: o.cwd, env, cols: t.cols, rows: t.rows, name: t.name, utf8: t.utf8, pty: pty! }, events),
      forksBefore,
      events,
    );
  }

  /** Wires a spawned child (pipes or terminal) to this process. */
  #attach(child: ChildHandle, forksBefore: number): void {
    this.#child = child;
    this.#outputOpen = true;
    this.#forksBefore = forksBefore;
    // A tmux child learns its pid only when it reports `spawned`; the tree is set up then.
    if (child.pid !== undefined) this.#watchTree(child.pid);
    if (child.input) this.#stdin.attach(child.input, (e) => this.#emitError(e));
  }

  #watchTree(pid: number): void {
    if (this.#tree) return;
    this.#hooks.leader(this, pid, true);
    this.#tree = new ProcessTree(pid, this.id, this.#forksBefore);
    this.#monitor = new ProcessMonitor(this.#tree, this.#opts.monitor, {
      sample: (m) => {
        this.emit('metrics', m);
        this.#hooks.metrics(this, m);
      },
      memoryLimit: () => void this.#stopWith('memory-limit', {}).catch(() => {}),
      cpuHigh: (high) => this.emit('cpu-high', high),
      failed: (err) => this.#internalFailure('metrics sample', err),
    });
    // A stop asked for before the child had a pid (a tmux child reports it late) starts now.
    const pending = this.#pendingStop;
    if (pending) {
      this.#pendingStop = undefined;
      this.#stopTree(pending).catch((err: unknown) => this.#internalFailure('stop', err));
    }
  }


  readonly #childEvents: ChildEvents = {
    spawned: () => {
      if (this.#child?.pid !== undefined) this.#watchTree(this.#child.pid);
      this.#startedAt ??= Date.now();
      if (this.state === 'starting') this.#transition('running', 'spawned');
      this.#startedDeferred.resolve();
      if (!this.#leaderExited) {
        this.#monitor?.start();
        this.#idle?.start();
      }
    },
    spawnFailed: (err) => {
      diagnoseSpawnError(err, this.#opts.command, this.#opts.cwd, this.id)
        .then((e) => this.#failSpawn(e))
        .catch((e: unknown) => this.#internalFailure('spawn failure report', e));
    },
    failed: (err) => {
      this.#emitError(new ProcwardError('CHILD_ERROR', `Child process ${this.id} reported: ${err.message}`, { cause: err, processId: this.id }));
    },
    data: (stream, data) => {
      if (stream === 'stderr') this.#stderrTail.write(data);
      if (!this.#idleByEvents) this.#idle?.touch();
      const chunk = this.output.append(stream, data);
      this.#screen?.feed(data);
      this.emit('output', chunk);
      this.#hooks.output(this, chunk);
      // Lines are split only while someone listens for them.
      if (this.listenerCount('line') > 0) this.#splitter(stream).push(data);
    },
    exited: (code, signal) => this.#onLeaderExit(code, signal),
    outputClosed: () => {
      if (!this.#outputOpen) return;
      this.#outputOpen = false;
      if (this.#drainCheckPending && !this.#termination) {
        // The leader's exit came first and its pipes closed within the drain time.
        this.#drainCheckPending = false;
        clearTimeout(this.#drainTimer);
        return this.#checkDetached();
      }
      this.#maybeFinalize();
    },
  };

  /** The child events of one attempt: a late report from an earlier child must not reach the current one. */
  #eventsOfAttempt(attempt: number): ChildEvents {
    const e = this.#childEvents;
    const current = () => attempt === this.#attempt && this.state !== 'backoff';
    return {
      spawned: () => current() && e.spawned(),
      spawnFailed: (err) => current() && e.spawnFailed(err),
      failed: (err) => current() && e.failed(err),
      data: (stream, data) => current() && e.data(stream, data),
      exited: (code, signal) => current() && e.exited(code, signal),
      outputClosed: () => current() && e.outputClosed(),
    };
  }

  #splitter(stream: OutputStream): StreamLines {
    let splitter = this.#splitters.get(stream);
    if (!splitter) {
      splitter = new StreamLines(stream, (line) => this.emit('line', line));
      this.#splitters.set(stream, splitter);
    }
    return splitter;
  }

  #failSpawn(error: SpawnFailedError | PtyUnavailableError): void {
    if (this.#exit) return;
    this.#spawnError = error;
    this.#leaderExited = true;
    if (this.#outputOpen) {
      this.#outputOpen = false;
      this.#child?.closeOutput();
    }
    this.#startedDeferred.reject(error);
    this.#emitError(error);
    this.#finalize();
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
      if (!this.#terminating) this.#drainThenFinalize();
      return;
    }
    // Exited on its own. Anything left in its group or holding its pipes is an orphan.
    if (this.#tree?.groupAlive()) {
      this.#handleOrphans().catch((err: unknown) => this.#internalFailure('orphan check', err));
    } else if (this.#outputOpen) {
      // Something may hold the pipes: look for it if they stay open; if they close first, the
      // check for a detached descendant below still runs (see outputClosed).
      this.#drainCheckPending = true;
      this.#drainTimer = setTimeout(
        guarded(
          () => {
            this.#drainCheckPending = false;
            return this.#handleOrphans();
          },
          (err) => this.#internalFailure('orphan check', err),
        ),
        this.#opts.drainMs,
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
    if (this.#tree?.mayHaveOutlived()) this.#handleOrphans().catch((err: unknown) => this.#internalFailure('orphan check', err));
    else this.#maybeFinalize();
  }

  /** Descendants outlived the leader: report them, and by default stop them the way stop() would. */
  async #handleOrphans(): Promise<void> {
    const tree = this.#tree;
    if (!tree || this.#termination || this.#exit) return;
    const members = tree.collect();
    if (members.length > 0) {
      this.#orphans = members.map((m) => m.pid);
      const found: OrphansFound = { pids: this.#orphans, policy: this.#opts.orphans };
      this.emit('orphans', found);
      this.#hooks.orphans(this, found);
      if (this.#opts.orphans === 'kill') {
        if (this.state === 'running' || this.state === 'paused') this.#transition('stopping', 'orphans');
        const result = await this.#terminate(this.#opts.stop);
        this.#survivors = result.survivors;
      }
    }
    this.#drainThenFinalize();
  }

  /** Gives the pipes a bounded time to close once nothing of ours should hold them, then closes them. */
  #drainThenFinalize(): void {
    if (!this.#outputOpen) return this.#maybeFinalize();
    clearTimeout(this.#drainTimer);
    this.#drainTimer = setTimeout(
      guarded(
        () => {
          // Whoever still holds the pipes is not ours to wait for (a kept orphan, a survivor).
          this.#outputOpen = false;
          this.#child?.closeOutput();
          this.#maybeFinalize();
        },
        (err) => this.#internalFailure('end of output', err),
      ),
      this.#opts.drainMs,
    );
  }

  #maybeFinalize(): void {
    if (this.#exit || !this.#leaderExited || this.#outputOpen) return;
    if (this.#terminating || this.state === 'backoff') return;
    clearTimeout(this.#drainTimer);
    this.#attemptOver();
  }

  /** The leader is reaped and its tree and pipes are gone: restart, or end for good. Decided here, on each exit. */
  #attemptOver(): void {
    const policy = this.#restart;
    // A host stop, a failed spawn or an unkillable survivor ends the process whatever the policy says.
    if (!policy || this.#final || this.#spawnError || this.#survivors.length > 0) return this.#finalize();
    const verdict = exitVerdict({ spawnFailed: false, stopReason: this.#stopReason, code: this.#code, signal: this.#signal, survivors: 0 });
    const uptimeMs = performance.now() - this.#attemptMono;
    const failed = verdict.state === 'failed' || verdict.reason === 'idle' || verdict.reason === 'memory-limit';
    const decision = policy.decide({ failed, uptimeMs }, performance.now());
    if (!decision.restart) return this.#finalize(decision.crashLoop);

    const previous: AttemptExit = { attempt: this.#attempt, code: this.#code, signal: this.#signal, reason: verdict.reason, uptimeMs: Math.round(uptimeMs) };
    this.#endAttempt();
    this.#transition('backoff', verdict.reason);
    this.#backoffTimer = setTimeout(guarded(() => this.#restartNow(), (err) => this.#internalFailure('restart', err)), decision.delayMs);
    const scheduled = { attempt: decision.restarts, delayMs: decision.delayMs, failedStarts: policy.failedStarts, previous };
    this.emit('restart', scheduled);
    this.#hooks.restart(this, scheduled);
  }

  /** Lets go of what belonged to the attempt that just ended. */
  #endAttempt(): void {
    if (this.#child?.pid !== undefined) this.#hooks.leader(this, this.#child.pid, false);
    clearTimeout(this.#drainTimer);
    for (const splitter of this.#splitters.values()) splitter.end();
    this.#splitters.clear();
    this.#stdin.detach();
  }

  #restartNow(): void {
    this.#backoffTimer = undefined;
    if (this.state !== 'backoff') return;
    this.#attempt++;
    this.#child = undefined;
    this.#tree = undefined;
    this.#monitor = undefined;
    this.#idle = undefined;
    this.#leaderExited = false;
    this.#outputOpen = false;
    this.#code = null;
    this.#signal = null;
    this.#stopReason = undefined;
    this.#termination = undefined;
    this.#pendingStop = undefined;
    this.#drainCheckPending = false;
    this.#orphans = [];
    this.#leaderGone = deferred<void>();
    this.#escalate = deferred<void>();
    this.#transition('starting', 'restart');
    this.#runAttempt();
  }

  #finalize(crashLoop = false): void {
    if (this.#exit) return;
    clearTimeout(this.#backoffTimer);
    clearTimeout(this.#timeoutTimer);
    clearTimeout(this.#drainTimer);
    if (this.#onAbort) this.#opts.signal?.removeEventListener('abort', this.#onAbort);
    this.#stdin.close();
    for (const splitter of this.#splitters.values()) splitter.end();
    this.output.close();

    const { state, reason } = crashLoop
      ? ({ state: 'failed', reason: 'crash-loop' } as const)
      : exitVerdict({
          spawnFailed: this.#spawnError !== undefined,
          stopReason: this.#stopReason,
          code: this.#code,
          signal: this.#signal,
          survivors: this.#survivors.length,
        });
    this.#endedAt = Date.now();
    const exit: ProcessExit = {
      state,
      code: this.#code,
      signal: this.#signal,
      reason,
      startedAt: this.#startedAt,
      endedAt: this.#endedAt,
      durationMs: this.#startedAt === null ? null : Math.round((performance.now() - this.#spawnedMono) * 1000) / 1000,
      stderrTail: this.#stderrTail.toString(),
      orphans: this.#orphans,
      survivors: this.#survivors,
      ...(this.#spawnError ? { error: { code: this.#spawnError.code, message: this.#spawnError.message } } : {}),
      restarts: this.#attempt,
    };
    this.#exit = exit;
    if (this.#child?.pid !== undefined && this.#survivors.length === 0) this.#hooks.leader(this, this.#child.pid, false);
    this.#transition(state, reason);
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
      parsed = parseOptions(StopOptionsSchema, options, 'stop options') as StopOptions;
    } catch (err) {
      return handled(Promise.reject(err));
    }
    return handled(this.#stopWith('stop', parsed));
  }

  /** SIGKILL the whole tree now. */
  kill(): Promise<ProcessExit> {
    return handled(this.#stopWith('kill', { signal: 'SIGKILL' }));
  }

  /** Stop with a given reason (scope, shutdown, …); `options` were validated by the caller. */
  [STOP_FOR](reason: StopReason, options: StopOptions = {}): Promise<ProcessExit> {
    return handled(this.#stopWith(reason, options));
  }

  async #stopWith(reason: StopReason, options: StopOptions): Promise<ProcessExit> {
    if (this.#exit) return this.#exit;
    if (HOST_STOPS.has(reason)) this.#final = true;
    if (this.state === 'queued') {
      this[CANCEL_QUEUED](reason);
      return this.exited;
    }
    if (this.state === 'backoff') {
      // Nothing is running between attempts: cancelling the restart is the whole stop.
      this.#stopReason = reason;
      this.#finalize();
      return this.exited;
    }
    const steps = resolveStopSequence(options, this.#opts.stop);
    if (this.state === 'starting' && !this.#tree && !this.#leaderExited) {
      // Nothing to signal yet: the stop is recorded now and acted on as soon as there is something
      // (#runAttempt spawns nothing, #watchTree starts it, a failing spawn ends the process).
      this.#stopReason = reason;
      this.#pendingStop = steps;
      this.#transition('stopping', reason);
      return this.#awaitEnd();
    }
    if (this.#termination || this.#leaderExited || !this.#tree) {
      // Already stopping (or cleaning up after its own exit): a kill cuts the grace short.
      if (steps[0]!.signal === 'SIGKILL') this.#escalate.resolve();
      return this.#awaitEnd();
    }
    this.#stopReason = reason;
    this.#transition('stopping', reason);
    await this.#stopTree(steps);
    return this.#awaitEnd();
  }

  /** Runs the stop sequence over the tree, then lets the pipes drain. */
  async #stopTree(steps: readonly ResolvedStopStep[]): Promise<void> {
    const result = await this.#terminate(steps);
    this.#survivors = result.survivors;
    if (this.#leaderExited) this.#drainThenFinalize();
  }

  #terminate(steps: readonly ResolvedStopStep[]): Promise<TerminateResult> {
    this.#terminating = true;
    this.#termination = terminateTree(
      this.#tree!,
      { steps, killTimeoutMs: this.#opts.killTimeoutMs },
      { leaderGone: this.#leaderGone.promise, escalate: this.#escalate.promise },
    ).finally(() => {
      this.#terminating = false;
    });
    return this.#termination;
  }

  async #awaitEnd(): Promise<ProcessExit> {
    if (this.#termination) {
      const result = await this.#termination;
      if (result.survivors.length > 0) throw new StopFailedError(result.survivors, this.id);
    }
    const exit = await this.exited;
    // A stop that began later than this call (a pending one) still reports what outlived it.
    if (exit.survivors.length > 0) throw new StopFailedError(exit.survivors, this.id);
    return exit;
  }

  /** SIGSTOP the whole tree; state `paused`. */
  pause(): void {
    if (this.state !== 'running' || !this.#tree) {
      throw new NotRunningError(`Cannot pause process ${this.id}: it is ${this.state}; only a running process can be paused.`, this.id);
    }
    this.#tree.signal(this.#tree.collect(), 'SIGSTOP');
    this.#transition('paused', 'pause');
  }

  /** SIGCONT the whole tree; state `running`. */
  resume(): void {
    if (this.state !== 'paused' || !this.#tree) {
      throw new NotRunningError(`Cannot resume process ${this.id}: it is ${this.state}; only a paused process can be resumed.`, this.id);
    }
    this.#tree.signal(this.#tree.collect(), 'SIGCONT');
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
    const live = this.#monitor && !this.#leaderExited && (this.state === 'running' || this.state === 'paused' || this.state === 'stopping');
    if (live && (this.#opts.monitor.intervalMs === undefined || !this.#monitor!.latest)) return this.#monitor!.sample();
    return this.#monitor?.latest;
  }

  /** Resizes the terminal of a PTY process (the child gets SIGWINCH). Pipe processes have no terminal. */
  resize(cols: number, rows: number): void {
    if (!this.#opts.pty) {
      throw new NotSupportedError(`Cannot resize ${this.id} to ${cols}x${rows}: it runs on pipes, not a pseudo-terminal; spawn with pty: true to get one.`, this.id);
    }
    if (!Number.isInteger(cols) || !Number.isInteger(rows) || cols < 1 || rows < 1) {
      throw new InvalidOptionsError('resize', [{ path: 'cols/rows', message: `expected positive integers, got ${cols}x${rows}` }]);
    }
    if (isTerminal(this.state) || this.#leaderExited || !this.#child?.resize) {
      throw new NotRunningError(`Cannot resize ${this.id}: ${this.#child ? 'the process has exited' : 'it has not started yet'} (state ${this.state}).`, this.id);
    }
    this.#child.resize(cols, rows);
    this.#screen?.resize(cols, rows);
  }

  /**
   * The terminal's screen as a person would see it (text rows and cursor), from a headless
   * emulator fed with this process's output. Created on the first call, from the output buffer;
   * processes that never ask pay nothing. Also works after exit (the last screen).
   */
  screen(): Promise<Screen> {
    const t = this.#opts.pty;
    if (!t) {
      return handled(Promise.reject(new NotSupportedError(`Process ${this.id} runs on pipes and has no screen; spawn with pty: true to get one.`, this.id)));
    }
    this.#screenReady ??= TerminalScreen.create(this.#child?.terminalSize?.cols ?? t.cols, this.#child?.terminalSize?.rows ?? t.rows).then((screen) => {
      // Replay what the buffer holds, then follow: both happen in this turn, so no chunk falls between.
      screen.complete = this.output.start === 0;
      for (const c of this.output.chunks()) screen.feed(c.data);
      this.#screen = screen;
      return screen;
    });
    return handled(this.#screenReady.then((screen) => screen.snapshot()));
  }

  [IDLE_BY_EVENTS](): void {
    this.#idleByEvents = true;
  }

  [TOUCH](): void {
    this.#idle?.touch();
  }

  /** Last-resort SIGKILL of the tree, synchronous, for the host's `exit` hook. */
  [KILL_SYNC](): void {
    if (!this.#tree || this.#exit || this.#opts.persist) return;
    try {
      this.#tree.signal(this.#tree.collect(), 'SIGKILL');
    } catch {
      /* the host is exiting; nothing more can be done */
    }
  }
}
