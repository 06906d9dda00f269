import type { ChildEvents } from '../spawn/child-handle.js';
import { deferred, handled } from '../internal/deferred.js';
import { guarded } from '../internal/guarded.js';
import { ControlClient, SUBSCRIBE, type PaneState } from './control-client.js';
import { MarkerFilter } from './marker-filter.js';
import { PaneCommands } from './pane-commands.js';
import { PaneEvents } from './pane-events.js';
import { parsePaneIds, pidExists, signalName, type PaneIds } from './pane-ids.js';
import { checkSize, commandSequence } from './tmux-argv.js';
import type { TmuxCapture, TmuxChildHandle } from './tmux-handle.js';
import { TmuxInput } from './tmux-input.js';

/**
 * kill() hangs up on the command (SIGHUP, as closing its terminal would; a shell passes it on to
 * its jobs) and gives it this long to end before SIGKILL, and SIGKILL as long again to be reported.
 */
export const KILL_GRACE_MS = 2_000;

// After kill-session tmux tells the control client (%exit) and it leaves; should it not, it is detached.
const CONTROL_EXIT_GRACE_MS = 2_000;

// A person attaching with `tmux attach -d` detaches every other client, ours included: it is
// re-attached, but not forever if something keeps throwing it out.
const MAX_REATTACH = 5;

// A tmux server exits when its last session ends, and a client that connects while it goes down
// is told "server exited unexpectedly": creating the session is tried again, on a fresh server.
const MAX_START_ATTEMPTS = 3;
const SERVER_GONE = /server exited unexpectedly|lost server|no server running|Connection refused/i;

// How long a dead pane's status may take to show once the server has been nudged (see #onPane);
// the subscription is checked once a second.
const DEAD_STATUS_WAIT_MS = 3_000;

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
 * One pane followed through a control client: output, the trampoline's reports, tmux's pane
 * state; input, size and screen through tmux commands run in order. begin() creates the session,
 * adopt() follows an existing one.
 */
export class TmuxPane implements TmuxChildHandle {
  readonly session: string;
  readonly socket: string;
  readonly input: TmuxInput;
  readonly #tmux: string;
  readonly #label: string;
  readonly #nonce: string | undefined;
  readonly #events: PaneEvents;
  readonly #filter: MarkerFilter;
  readonly #size: { cols: number; rows: number };
  readonly #started = deferred<PaneIds>();
  readonly #commands: PaneCommands;
  /** Resolves when no control client is left and outputClosed has been reported. */
  readonly #gone = deferred<void>();
  #ids: PaneIds | undefined;
  #pid: number | undefined;
  #control: ControlClient | undefined;
  #replies: ReplyHandler[] = [];
  #attachDone: ((ok: boolean) => void) | undefined;
  #ended: Promise<void> | undefined;
  #reattaches = 0;
  #start: { argv: string[]; attempts: number; cleanup: () => void } | undefined;
  #statusTimer: NodeJS.Timeout | undefined;

  constructor(o: TmuxPaneOptions) {
    this.session = o.session;
    this.socket = o.socket;
    this.#tmux = o.tmux;
    this.#label = o.label;
    this.#nonce = o.nonce;
    this.#size = { ...o.size };
    this.#events = new PaneEvents(o.on);
    handled(this.#started.promise);
    this.#commands = new PaneCommands(o.tmux, o.socket, this.#started.promise);
    this.#filter = new MarkerFilter(o.nonce, { data: (d) => this.#events.data(d), report: (f) => this.#onReport(f), failed: (err) => this.#internalFailure(err) });
    this.input = new TmuxInput((bytes) => this.#commands.sendKeys(bytes));
  }

  get pid(): number | undefined {
    return this.#pid;
  }

  get terminalSize(): { cols: number; rows: number } {
    return { ...this.#size };
  }

  /** Starts the control client that creates the session (`new-session` first in `argv`). */
  begin(argv: string[], cleanup: () => void): void {
    this.#start = { argv, attempts: (this.#start?.attempts ?? 0) + 1, cleanup };
    this.#follow(argv, [(ok, lines) => this.#created(ok, lines)]);
  }

  /** Follows an existing pane; resolves false (having reported nothing) if it cannot attach. */
  adopt(ids: PaneIds, pid: number | undefined): Promise<boolean> {
    this.#ids = ids;
    this.#pid = pid;
    this.#started.resolve(ids);
    return new Promise((resolve) => {
      this.#attach((ok) => {
        if (ok) this.#events.spawnedNow();
        // The command ended while nobody followed: its trampoline waits for a reader of its exit
        // report. The report is gone, but tmux's pane status is not: let the trampoline end.
        if (ok && this.#nonce && pid !== undefined && !pidExists(pid)) {
          void this.#paneAlive().then((alive) => alive && signal(ids.panePid, 'SIGUSR2'));
        }
        resolve(ok);
      });
    });
  }

  /** A spawn that fails before tmux is asked for anything. */
  failBeforeStart(err: NodeJS.ErrnoException): void {
    this.#start?.cleanup();
    this.#fail(err);
    this.#finishOutput();
  }

  resize(cols: number, rows: number): void {
    checkSize(cols, rows);
    if (this.#events.closed || (cols === this.#size.cols && rows === this.#size.rows)) return;
    this.#size.cols = cols;
    this.#size.rows = rows;
    this.#commands.resize(cols, rows).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ETMUX' && !this.#events.settled) this.#events.failed(err as Error);
    });
  }

  /** The visible screen as tmux renders it (one string per row, trailing spaces trimmed) and the cursor. */
  capture(): Promise<TmuxCapture> {
    return this.#commands.capture();
  }

  /**
   * Ends the command and the session: SIGHUP to the command, SIGKILL after KILL_GRACE_MS if it is
   * still there (its exit is reported as usual, with its real status), then kill-session, which
   * hangs up the terminal on whatever else holds it. Resolves once the session is gone and
   * outputClosed has been reported.
   */
  async kill(): Promise<void> {
    const ids = await this.#started.promise.catch(() => undefined);
    // A dead pane's exit is being reported already, and the pid it had may be another's by now.
    const alive = ids !== undefined && !this.#events.settled && (await this.#paneAlive());
    for (const sig of ['SIGHUP', 'SIGKILL'] as const) {
      if (!alive || this.#events.settled || this.#pid === undefined) break;
      signal(this.#pid, sig);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#events.settledOnce, new Promise((r) => (timer = setTimeout(r, KILL_GRACE_MS)))]);
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
    if (this.#events.closed) return;
    if (this.#events.settled) void this.#endSession();
    else this.#events.silence();
    this.#control?.close();
    this.#finishOutput();
  }

  // ---- following ----

  #follow(argv: string[], replies: ReplyHandler[]): void {
    this.#replies = replies;
    const client: ControlClient = new ControlClient(this.#tmux, this.socket, argv, {
      output: (pane, data) => {
        if (pane === this.#ids?.pane && !this.#events.closed) this.#filter.push(data);
      },
      reply: (ok, lines) => {
        const handler = this.#replies.shift();
        if (handler) handler(ok, lines);
        else if (!ok) this.#events.failed(new Error(`tmux: ${lines.join(' ')}`));
      },
      pane: (state) => this.#onPane(state),
      closed: (detail) => this.#onControlClosed(client, detail),
    });
    this.#control = client;
  }

  /** `done` is adopt()'s: if it fails, nothing is ever reported. A re-attach that fails is handled when its client closes. */
  #attach(done?: (ok: boolean) => void): void {
    this.#attachDone = done;
    const reply: ReplyHandler = (ok) => {
      this.#attachDone = undefined;
      if (ok) this.#reattaches = 0;
      else if (done) this.#events.silence(true);
      done?.(ok);
    };
    this.#follow(commandSequence(['attach-session', '-t', this.#ids!.session], SUBSCRIBE), [reply]);
  }

  #created(ok: boolean, lines: string[]): void {
    const ids = ok ? parsePaneIds(lines[0]) : undefined;
    if (!ids) {
      const text = lines.join(' ').trim() || 'no reply';
      const code = /duplicate session/.test(text) ? 'EEXIST' : 'ETMUX';
      this.#fail(Object.assign(new Error(`tmux could not create session "${this.session}": ${text}`), { code }));
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
      this.#events.silence(true);
      this.#attachDone(false);
      this.#attachDone = undefined;
    }
    if (this.#events.closed) return this.#gone.resolve();
    const start = this.#start;
    if (!this.#ids && start && !this.#events.settled && SERVER_GONE.test(detail) && start.attempts < MAX_START_ATTEMPTS) {
      return this.begin(start.argv, start.cleanup);
    }
    if (!this.#ids) {
      this.#fail(Object.assign(new Error(`tmux ended before creating session "${this.session}"${detail ? `: ${detail}` : ''}`), { code: 'ETMUX' }));
      return this.#finishOutput();
    }
    if (this.#ended || this.#events.settled) {
      this.#events.unobserved(`the tmux session "${this.session}" ended before procward saw "${this.#label}" exit`, this.#label);
      return this.#finishOutput();
    }
    this.#recover(detail).catch((err: unknown) => this.#internalFailure(err));
  }

  /** The control client left on its own: find out what became of the pane. */
  async #recover(detail: string): Promise<void> {
    const ids = this.#ids!;
    const state = await this.#tmuxRun(['display-message', '-p', '-t', ids.pane, '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}']).catch(() => undefined);
    if (this.#events.closed || this.#control) return;
    if (state === undefined) {
      this.#events.unobserved(`the tmux session "${this.session}" was ended outside procward (kill-session or kill-server?) before "${this.#label}" exited; its exit status is unknown`, this.#label);
      return this.#finishOutput();
    }
    const [dead, status, sig] = state.trim().split(' ');
    if (dead === '1' && (status || sig)) {
      this.#onPane({ pane: ids.pane, dead: true, status: status ? Number(status) : undefined, signal: sig ? Number(sig) : undefined });
    } else if (this.#reattaches++ < MAX_REATTACH) {
      // Alive, or dead with its status not recorded yet (see #onPane): the subscription tells.
      if (dead === '1') signal(ids.serverPid, 'SIGCHLD');
      this.#attach();
    } else {
      this.#events.failed(new Error(`lost the tmux control client of session "${this.session}" ${MAX_REATTACH} times${detail ? ` (${detail})` : ''}; no longer following it (adoptTmuxSession() can)`));
      this.#events.silence();
      this.#finishOutput();
    }
  }

  // ---- what the pane tells ----

  #onReport([kind, a = '', b = '']: string[]): void {
    if (this.#events.settled || !this.#ids) return;
    if (kind === 'pid' && !this.#events.spawned) {
      this.#pid = Number(a);
      // Recorded with the session, for an adopter after a host restart.
      this.#tmuxRun(['set-option', '-t', this.#ids.pane, '@procward-pid', a]).catch(() => {});
      this.#events.spawnedNow();
    } else if (kind === 'failed') {
      this.#fail(Object.assign(new Error(`${a || 'spawn failed'}: ${this.#label}`), { code: a || undefined, path: this.#label, syscall: 'spawn' }));
      void this.#endSession();
    } else if (kind === 'exit') {
      this.#events.exited(a === '' ? null : Number(a), (b || null) as NodeJS.Signals | null, this.#label);
      // Everything the command wrote came before this report: ending the session lets the
      // trampoline go (its terminal hangs up) and leaves nothing behind.
      void this.#endSession();
    }
  }

  /** tmux's view, for when the trampoline's report was not seen (no client was attached, or it was killed with the command). */
  #onPane(state: PaneState): void {
    if (state.pane !== this.#ids?.pane || !state.dead || this.#events.settled) return;
    // tmux marks a pane dead at the end of its output and records the status when it reaps the
    // process. tmux 3.3a sometimes misses the SIGCHLD (the process stays a zombie and the status
    // empty until the server's next SIGCHLD; about 1 run in 4 here after kill -9 of the pane's
    // group): one of our own makes it look. The status follows in a later report; if none has
    // come after DEAD_STATUS_WAIT_MS, it is not coming.
    if (state.status === undefined && state.signal === undefined) {
      if (this.#statusTimer) return;
      signal(this.#ids.serverPid, 'SIGCHLD');
      this.#statusTimer = setTimeout(
        guarded(
          () => this.#paneDead(null, null),
          (err) => this.#internalFailure(err),
        ),
        DEAD_STATUS_WAIT_MS,
      );
      return;
    }
    const sig = signalName(state.signal);
    this.#paneDead(sig ? null : (state.status ?? null), sig);
  }

  #paneDead(code: number | null, sig: NodeJS.Signals | null): void {
    clearTimeout(this.#statusTimer);
    this.#events.exited(code, sig, this.#label);
    void this.#endSession();
  }

  // ---- ending ----

  #fail(err: NodeJS.ErrnoException): void {
    this.#started.reject(err);
    this.#events.spawnFailed(err);
  }

  /** Never rejects (callers `void` it): a failure is reported through `failed`. */
  #endSession(): Promise<void> {
    this.#ended ??= (async () => {
      const ids = this.#ids;
      if (!ids) return;
      await this.#tmuxRun(['kill-session', '-t', ids.session]).catch(() => {}); // gone already: fine
      if (this.#control)
        setTimeout(
          guarded(
            () => this.#control?.close(),
            (err) => this.#internalFailure(err),
          ),
          CONTROL_EXIT_GRACE_MS,
        ).unref();
      else this.#finishOutput();
    })().catch((err: unknown) => this.#internalFailure(err));
    return this.#ended;
  }

  /** A timer or promise chain of this pane failed: reported as the child's error, never thrown into the event loop. */
  #internalFailure(err: unknown): void {
    this.#events.failed(err instanceof Error ? err : new Error(String(err)));
  }

  #finishOutput(): void {
    if (this.#events.closed) return;
    this.#filter.flush();
    clearTimeout(this.#statusTimer);
    this.#start?.cleanup();
    this.input.destroy();
    this.#events.close();
    if (!this.#control) this.#gone.resolve();
  }

  /** Whether the pane's process (the trampoline, or a foreign session's command) still runs, as tmux sees it. */
  async #paneAlive(): Promise<boolean> {
    if (!this.#ids) return false;
    const dead = await this.#tmuxRun(['display-message', '-p', '-t', this.#ids.pane, '#{pane_dead}']).catch(() => '1');
    return dead.trim() === '0';
  }

  #tmuxRun(argv: string[]): Promise<string> {
    return this.#commands.run(argv);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* gone already: what follows from its end is on its way */
  }
}
