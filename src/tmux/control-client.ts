import { spawn, type ChildProcess } from 'node:child_process';
import { shieldStdio } from '../internal/inheritable-fds.js';
import { ControlParser } from './control-parser.js';
import { baseArgs, tmuxEnv } from './tmux-runner.js';

/** A pane's state as tmux's subscription reports it: `#{pane_dead} #{pane_dead_status} #{pane_dead_signal}`. */
export interface PaneState {
  pane: string;
  dead: boolean;
  /** Exit code, when the pane's process exited. */
  status: number | undefined;
  /** Signal number, when it was killed by one. */
  signal: number | undefined;
}

export interface ControlClientEvents {
  output(pane: string, data: Buffer): void;
  reply(ok: boolean, lines: string[]): void;
  pane(state: PaneState): void;
  /** The client process has ended and all it printed has been parsed. `detail` says why, when known. */
  closed(detail: string): void;
}

const SUBSCRIPTION = 'procward-pane';

/**
 * `refresh-client -B` subscribes to a format for every pane of the session: tmux checks it once a
 * second and prints `%subscription-changed` when it changes (and once at the start). It is how
 * an exit is noticed when the trampoline's report was not seen (a client attached after it).
 */
export const SUBSCRIBE: readonly string[] = ['refresh-client', '-B', `${SUBSCRIPTION}:%*:#{pane_dead} #{pane_dead_status} #{pane_dead_signal}`];

// "%subscription-changed <name> $<session> @<window> <index> %<pane> : <value>"
const CHANGED = /^%subscription-changed (\S+) \S+ \S+ \S+ (%\d+) : (.*)$/;

/**
 * One tmux client in control mode (`tmux -C`), following a session: its stdout is parsed into
 * pane output, command replies and the pane-state subscription. Its stdin is never written: it
 * stays open while we follow, and closing it detaches the client.
 */
export class ControlClient {
  readonly #proc: ChildProcess;
  #stderr = '';
  #exitDetail = '';

  /** `argv` are the tmux commands to run once attached (new-session or attach-session first). */
  constructor(tmux: string, socket: string, argv: string[], on: ControlClientEvents) {
    // Its own process group: a Ctrl-C at the host's terminal must not end it.
    this.#proc = spawn(tmux, [...baseArgs(socket), '-C', ...argv], { env: tmuxEnv(), stdio: shieldStdio(['pipe', 'pipe', 'pipe']), detached: true, windowsHide: true });
    const parser = new ControlParser({
      output: on.output,
      reply: on.reply,
      notification: (line) => {
        const m = CHANGED.exec(line);
        if (m?.[1] === SUBSCRIPTION) on.pane(parsePaneState(m[2]!, m[3]!));
        else if (line.startsWith('%exit')) this.#exitDetail = line.slice('%exit'.length).trim();
      },
    });
    this.#proc.stdout!.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        this.#exitDetail = (err as Error).message;
        this.close();
      }
    });
    this.#proc.stderr!.on('data', (chunk: Buffer) => {
      if (this.#stderr.length < 4096) this.#stderr += chunk.toString();
    });
    // Closing stdin when tmux has already gone answers EPIPE: nothing to report.
    this.#proc.stdin!.on('error', () => {});
    this.#proc.on('error', (err) => {
      this.#exitDetail ||= err.message;
    });
    // 'close' comes after the process has exited and its stdout has been read to the end.
    this.#proc.once('close', () => on.closed(this.#stderr.trim() || this.#exitDetail));
  }

  /** Detaches: tmux ends a control client whose stdin closes. The session is left as it is. */
  close(): void {
    this.#proc.stdin!.end();
    // Should the client not go by itself (a server that stopped answering), it must not linger.
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) {
      const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 2_000);
      timer.unref();
      this.#proc.once('exit', () => clearTimeout(timer));
    }
  }
}

function parsePaneState(pane: string, value: string): PaneState {
  const [dead, status, signal] = value.split(' ');
  const number = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : undefined);
  return { pane, dead: dead === '1', status: number(status), signal: number(signal) };
}
