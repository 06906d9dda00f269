import type { ChildEvents } from '../spawn/child-handle.js';
import { deferred, handled } from '../internal/deferred.js';
import { ControlClient, SUBSCRIBE, type PaneState } from './control-client.js';
import { MarkerFilter } from './marker-filter.js';
import { parsePaneIds, pidExists, signalName, type PaneIds } from './pane-ids.js';
import { checkSize, commandSequence } from './tmux-argv.js';
import type { TmuxCapture, TmuxChildHandle } from './tmux-child.js';
import { TmuxInput, sendKeysArgv } from './tmux-input.js';
import { runTmux } from './tmux-runner.js';

/**
 * kill() hangs up on the command (SIGHUP, as closing its terminal would; a shell passes it on to
 * its jobs) and gives it this long to end before SIGKILL, and SIGKILL as long again to be reported.
 */
export const KILL_GRACE_MS = 2_000;

// After kill-session, tmux tells the control client (%exit) and it leaves; should it not, it is detached.
const CONTROL_EXIT_GRACE_MS = 2_000;

// A person attaching with `tmux attach -d` detaches every other client, ours included: it is
// re-attached, but not forever if something keeps throwing it out.
const MAX_REATTACH = 5;

// A tmux server exits when its last session ends, and a client that connects while it is going
// down is told "server exited unexpectedly" (or finds no server): creating the session is tried
// again, on a server started afresh.
const MAX_START_ATTEMPTS = 3;

// How long a dead pane's status may take to show once the server has been nudged (see #onPane);
// the subscription is checked once a second.
const DEAD_STATUS_WAIT_MS = 3_000;
const SERVER_GONE = /server exited unexpectedly|lost server|no server running|Connection refused/i;

type ReplyHandler = (ok: boolean, lines: string[]) => void;

export interface TmuxPaneOptions {
  tmux: string;
  socket: string;
  session: string;
  size: { cols: number; rows: number };
  /** The trampoline's nonce; undefined for a session procward did not start (no reports to expect). */
  nonce: string | undefined;
  /** What the command was, for messages. */
  label: string;
  on: ChildEvents;
}

/**
 * One pane followed through a control client: output, the trampoline's reports, tmux's pane state.
 * Lifecycle: begin() (new session) or adopt() (existing one); then exactly one of spawnFailed or
 * exited (unless closeOutput() detached first), then outputClosed once the control client is gone.
 */
export class TmuxPane implements TmuxChildHandle {
  readonly session: string;
  readonly socket: string;
  readonly input: TmuxInput;
  readonly #tmux: string;
  readonly #label: string;
  readonly #on: ChildEvents;
  readonly #filter: MarkerFilter;
  readonly #size: { cols: number; rows: number };
  readonly #nonce: string | undefined;
  readonly #started = deferred<PaneIds>();
  readonly #settledOnce = deferred<void>();
  readonly #gone = deferred<void>();
  #ids: PaneIds | undefined;
  #pid: number | undefined;
  #control: ControlClient | undefined;
  #replies: ReplyHandler[] = [];
  #attachDone: ((ok: boolean) => void) | undefined;
  /** Output that came before the command's pid: delivered right after spawned(). */
  #held: Buffer[] | undefined = [];
  #serial: Promise<unknown> = Promise.resolve();
  #settled = false;
  #outputClosed = false;
  #detached = false;
  /** An adoption that did not attach: nothing is reported, ever. */
  #abandoned = false;
  #ended: Promise<void> | undefined;
  #reattaches = 0;
  #cleanup: (() => void) | undefined;
  #startArgv: string[] | undefined;
  #startAttempts = 0;
  #statusTimer: NodeJS.Timeout | undefined;

  constructor(o: TmuxPaneOptions) {
    this.session = o.session;
    this.socket = o.socket;
    this.#tmux = o.tmux;
    this.#label = o.label;
    this.#on = o.on;
    this.#size = { ...o.size };
    this.#nonce = o.nonce;
    handled(this.#started.promise);
    this.#filter = new MarkerFilter(o.nonce, { data: (d) => this.#deliver(d), report: (f) => this.#onReport(f) });
    this.input = new TmuxInput((bytes) => this.#run((ids) => this.#tmuxRun(sendKeysArgv(ids.pane, bytes))).then(() => {}));
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  get terminalSize(): { cols: number; rows: number } {
    return { ...this.#size };
  }

  /** Starts the control client that creates the session (`new-session` first in `argv`). */
  begin(argv: string[], cleanup: () => void): void {
    this.#cleanup = cleanup;
    this.#startArgv = argv;
    this.#startAttempts++;
    this.#follow(argv, [(ok, lines) => this.#created(ok, lines)]);
  }

  /** Follows an existing pane; resolves false (and reports nothing) if it cannot attach. */
  adopt(ids: PaneIds, pid: number | undefined): Promise<boolean> {
    this.#ids = ids;
    this.#pid = pid;
    this.#started.resolve(ids);
    return new Promise((resolve) => {
      this.#attach((ok) => {
        if (ok) this.#reportSpawned();
        // The command ended while nobody followed: its trampoline waits for a reader of its exit
        // report. There is one now (the report itself is gone, tmux's pane status is not): let it go.
        if (ok && this.#nonce && pid !== undefined && !pidExists(pid)) {
          try {
            process.kill(ids.panePid, 'SIGUSR2');
          } catch {
            /* gone already */
          }
        }
        resolve(ok);
      });
    });
  }

  /** A spawn that fails before tmux is asked for anything. */
  failBeforeStart(err: NodeJS.ErrnoException): void {
    this.#cleanup?.();
    this.#reportSpawnFailed(err);
    this.#finishOutput();
  }

  resize(cols: number, rows: number): void {
    checkSize(cols, rows);
    if (this.#outputClosed || (cols === this.#size.cols && rows === this.#size.rows)) return;
    this.#size.cols = cols;
    this.#size.rows = rows;
    // Queued with input, so what is typed after resize() reaches the program at the new size.
    this.#run((ids) => this.#tmuxRun(['resize-window', '-t', ids.window, '-x', String(cols), '-y', String(rows)])).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ETMUX' && !this.#settled) this.#on.failed(err as Error);
    });
  }

  /** The visible screen as tmux renders it (one string per row, trailing spaces trimmed) and the cursor. */
  capture(): Promise<TmuxCapture> {
    return this.#run(async (ids) => {
      const text = await this.#tmuxRun(commandSequence(['capture-pane', '-p', '-t', ids.pane], ['display-message', '-p', '-t', ids.pane, '#{cursor_x} #{cursor_y}']));
      const lines = text.split('\n');
      lines.pop(); // after the last newline
      const [x = 0, y = 0] = (lines.pop() ?? '').split(' ').map(Number);
      return { lines, cursor: { x, y } };
    });
  }

  /**
   * Ends the command and the session: SIGHUP to the command, SIGKILL after KILL_GRACE_MS if it is
   * still there (its exit is reported as usual, with its real status), then kill-session, which
   * hangs up the terminal on whatever else holds it. Resolves once the session is gone and
   * outputClosed has been reported.
   */
  async kill(): Promise<void> {
    const ids = await this.#started.promise.catch(() => undefined);
    const pid = this.#pid;
    for (const signal of ['SIGHUP', 'SIGKILL'] as const) {
      if (!ids || this.#settled || this.#detached || pid === undefined) break;
      try {
        process.kill(pid, signal);
      } catch {
        /* already gone: its exit is on its way */
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#settledOnce.promise, new Promise((r) => (timer = setTimeout(r, KILL_GRACE_MS)))]);
      clearTimeout(timer);
    }
    if (ids) await this.#endSession();
    await this.#gone.promise;
  }

  /**
   * Stops reading output now. If the command has ended (or never started) the session is ended
   * too; if it is still running, the session is left running for adoptTmuxSession() to pick up
   * (a host that goes away and leaves the process to a person, or to its next run).
   */
  closeOutput(): void {
    if (this.#outputClosed) return;
    if (this.#settled) void this.#endSession();
    else this.#detached = true;
    this.#control?.close();
    this.#finishOutput();
  }

  // ---- control client ----

  #follow(argv: string[], replies: ReplyHandler[]): void {
    this.#replies = replies;
    const client: ControlClient = new ControlClient(this.#tmux, this.socket, argv, {
      output: (pane, data) => {
        if (pane === this.#ids?.pane && !this.#outputClosed) this.#filter.push(data);
      },
      reply: (ok, lines) => {
        const handler = this.#replies.shift();
        if (handler) handler(ok, lines);
        else if (!ok) this.#on.failed(new Error(`tmux: ${lines.join(' ')}`));
      },
      pane: (state) => this.#onPane(state),
      closed: (detail) => this.#onControlClosed(client, detail),
    });
    this.#control = client;
  }

  /** `done` is adopt()'s: if it fails, the pane is abandoned. A re-attach that fails is handled when its client closes. */
  #attach(done?: (ok: boolean) => void): void {
    this.#attachDone = done;
    const reply: ReplyHandler = (ok) => {
      this.#attachDone = undefined;
      if (ok) this.#reattaches = 0;
      else if (done) this.#abandoned = true;
      done?.(ok);
    };
    this.#follow(commandSequence(['attach-session', '-t', this.#ids!.session], SUBSCRIBE), [reply]);
  }

  #created(ok: boolean, lines: string[]): void {
    const ids = ok ? parsePaneIds(lines[0]) : undefined;
    if (!ids) {
      const text = lines.join(' ').trim() || 'no reply';
      const code = /duplicate session/.test(text) ? 'EEXIST' : 'ETMUX';
      this.#reportSpawnFailed(Object.assign(new Error(`tmux could not create session "${this.session}": ${text}`), { code }));
      return; // the control client leaves by itself: it has no session
    }
    this.#ids = ids;
    this.#started.resolve(ids);
  }

  #onControlClosed(client: ControlClient, detail: string): void {
    if (client !== this.#control) return; // an earlier client, already replaced
    this.#control = undefined;
    this.#replies = [];
    if (this.#attachDone) {
      this.#abandoned = true;
      this.#attachDone(false);
      this.#attachDone = undefined;
    }
    if (this.#abandoned) return;
    if (this.#outputClosed) return this.#gone.resolve();
    if (!this.#ids && !this.#settled && this.#startArgv && SERVER_GONE.test(detail) && this.#startAttempts < MAX_START_ATTEMPTS) {
      return this.begin(this.#startArgv, this.#cleanup!);
    }
    if (!this.#ids) {
      this.#reportSpawnFailed(Object.assign(new Error(`tmux ended before creating session "${this.session}"${detail ? `: ${detail}` : ''}`), { code: 'ETMUX' }));
      return this.#finishOutput();
    }
    if (this.#ended || this.#settled) {
      this.#settleUnobserved(`the tmux session "${this.session}" ended before procward saw "${this.#label}" exit`);
      return this.#finishOutput();
    }
    void this.#recover(detail);
  }

  /** The control client left on its own: find out what became of the pane. */
  async #recover(detail: string): Promise<void> {
    const ids = this.#ids!;
    let state: string | undefined;
    try {
      state = await this.#tmuxRun(['display-message', '-p', '-t', ids.pane, '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}']);
    } catch {
      /* no such pane: the session was killed */
    }
    if (this.#outputClosed || this.#control) return;
    if (state === undefined) {
      this.#settleUnobserved(`the tmux session "${this.session}" was ended outside procward (kill-session or kill-server?) before "${this.#label}" exited; its exit status is unknown`);
      return this.#finishOutput();
    }
    const [dead, status, signal] = state.trim().split(' ');
    if (dead === '1' && (status || signal)) {
      this.#onPane({ pane: ids.pane, dead: true, status: status ? Number(status) : undefined, signal: signal ? Number(signal) : undefined });
    } else if (dead === '1' && this.#reattaches < MAX_REATTACH) {
      // Dead, status not recorded yet: follow again, the subscription brings it (see #onPane).
      this.#reattaches++;
      this.#nudgeServer();
      this.#attach();
    } else if (this.#reattaches++ < MAX_REATTACH) {
      this.#attach();
    } else {
      this.#on.failed(new Error(`lost the tmux control client of session "${this.session}" ${MAX_REATTACH} times${detail ? ` (${detail})` : ''}; no longer following it (adoptTmuxSession() can)`));
      this.#detached = true;
      this.#finishOutput();
    }
  }

  // ---- what the pane tells ----

  #onReport([kind, a = '', b = '']: string[]): void {
    if (this.#settled || !this.#ids) return;
    if (kind === 'pid' && this.#held) {
      this.#pid = Number(a);
      // Recorded with the session, for an adopter after a host restart.
      this.#tmuxRun(['set-option', '-t', this.#ids.pane, '@procward-pid', a]).catch(() => {});
      this.#reportSpawned();
    } else if (kind === 'failed') {
      const err = Object.assign(new Error(`${a || 'spawn failed'}: ${this.#label}`), { code: a || undefined, path: this.#label, syscall: 'spawn' });
      this.#reportSpawnFailed(err);
      void this.#endSession();
    } else if (kind === 'exit') {
      this.#reportExit(a === '' ? null : Number(a), (b || null) as NodeJS.Signals | null);
      // Everything the command wrote came before this report: ending the session lets the
      // trampoline go (its terminal hangs up) and leaves nothing behind.
      void this.#endSession();
    }
  }

  #onPane(state: PaneState): void {
    if (state.pane !== this.#ids?.pane || !state.dead) return;
    // tmux marks a pane dead at the end of its output and records the status when it reaps the
    // process. tmux 3.3a sometimes does not reap it at all (the process stays a zombie, the status
    // empty, until the server's next SIGCHLD; seen in about 1 run in 4 on Linux after kill -9 of
    // the pane's group): a SIGCHLD of our own makes it look. The status follows in a later report;
    // without one after DEAD_STATUS_WAIT_MS it is not coming.
    if (state.status === undefined && state.signal === undefined) {
      if (this.#settled || this.#statusTimer) return;
      this.#nudgeServer();
      this.#statusTimer = setTimeout(() => this.#paneDead(null, null), DEAD_STATUS_WAIT_MS);
      return;
    }
    const signal = signalName(state.signal);
    this.#paneDead(signal ? null : (state.status ?? null), signal);
  }

  #nudgeServer(): void {
    try {
      if (this.#ids) process.kill(this.#ids.serverPid, 'SIGCHLD');
    } catch {
      /* the server is gone: the control client's end tells the rest */
    }
  }

  /** The pane's process ended and the trampoline's report was not seen (no client was attached, or it was killed with the command). */
  #paneDead(code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.#statusTimer);
    this.#reportExit(code, signal);
    void this.#endSession();
  }

  // ---- reporting ----

  #deliver(data: Buffer): void {
    if (this.#outputClosed) return;
    if (this.#held) this.#held.push(data);
    else this.#on.data('pty', data);
  }

  #reportSpawned(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    this.#on.spawned();
    for (const data of held) this.#deliver(data);
  }

  #reportSpawnFailed(err: NodeJS.ErrnoException): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#started.reject(err);
    this.#settledOnce.resolve();
    this.#on.spawnFailed(err);
  }

  #reportExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#settled) return;
    if (this.#held) {
      this.#reportSpawnFailed(new Error(`the tmux pane of "${this.#label}" ended (${signal ?? `code ${code}`}) before the command started`));
      return;
    }
    this.#settled = true;
    this.#settledOnce.resolve();
    this.#on.exited(code, signal);
  }

  /** The end was not observed: say so, and still settle, so that whoever waits is not left waiting. */
  #settleUnobserved(message: string): void {
    if (this.#settled || this.#detached) return;
    if (this.#held) return this.#reportSpawnFailed(new Error(message));
    this.#on.failed(new Error(message));
    this.#reportExit(null, null);
  }

  #endSession(): Promise<void> {
    this.#ended ??= (async () => {
      const ids = this.#ids;
      if (!ids) return;
      await this.#tmuxRun(['kill-session', '-t', ids.session]).catch(() => {}); // gone already: fine
      if (this.#control) setTimeout(() => this.#control?.close(), CONTROL_EXIT_GRACE_MS).unref();
      else this.#finishOutput();
    })();
    return this.#ended;
  }

  #finishOutput(): void {
    if (this.#outputClosed) return;
    this.#filter.flush();
    clearTimeout(this.#statusTimer);
    this.#outputClosed = true;
    this.#held = this.#held && [];
    this.#cleanup?.();
    this.input.destroy();
    this.#on.outputClosed();
    if (!this.#control) this.#gone.resolve();
  }

  // ---- tmux commands ----

  /** Runs after the session exists, in order with every other command of this pane. */
  #run<T>(task: (ids: PaneIds) => Promise<T>): Promise<T> {
    const run = this.#serial.then(() => this.#started.promise).then(task);
    this.#serial = run.catch(() => {});
    return run;
  }

  #tmuxRun(argv: string[]): Promise<string> {
    return runTmux(this.#tmux, this.socket, argv);
  }
}
