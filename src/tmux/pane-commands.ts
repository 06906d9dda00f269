import type { PaneIds } from './pane-ids.js';
import { commandSequence } from './tmux-argv.js';
import type { TmuxCapture } from './tmux-handle.js';
import { sendKeysArgv } from './tmux-input.js';
import { runTmux } from './tmux-runner.js';

/**
 * The tmux commands that act on one pane, run one at a time in the order they were asked for (so
 * that what is typed after a resize reaches the program at the new size, and a capture after a
 * write sees it sent), each once the pane exists; they fail with the spawn's error if it never does.
 */
export class PaneCommands {
  readonly #tmux: string;
  readonly #socket: string;
  readonly #pane: Promise<PaneIds>;
  #serial: Promise<unknown> = Promise.resolve();

  constructor(tmux: string, socket: string, pane: Promise<PaneIds>) {
    this.#tmux = tmux;
    this.#socket = socket;
    this.#pane = pane;
  }

  sendKeys(bytes: Buffer): Promise<void> {
    return this.#run((ids) => this.run(sendKeysArgv(ids.pane, bytes))).then(() => {});
  }

  resize(cols: number, rows: number): Promise<void> {
    return this.#run((ids) => this.run(['resize-window', '-t', ids.window, '-x', String(cols), '-y', String(rows)])).then(() => {});
  }

  capture(): Promise<TmuxCapture> {
    return this.#run(async (ids) => {
      const text = await this.run(commandSequence(['capture-pane', '-p', '-t', ids.pane], ['display-message', '-p', '-t', ids.pane, '#{cursor_x} #{cursor_y}']));
      const lines = text.split('\n');
      lines.pop(); // after the last newline
      const [x = 0, y = 0] = (lines.pop() ?? '').split(' ').map(Number);
      return { lines, cursor: { x, y } };
    });
  }

  /** Any tmux command on this pane's server, at once (not queued). */
  run(argv: string[]): Promise<string> {
    return runTmux(this.#tmux, this.#socket, argv);
  }

  #run<T>(task: (ids: PaneIds) => Promise<T>): Promise<T> {
    const run = this.#serial.then(() => this.#pane).then(task);
    this.#serial = run.catch(() => {});
    return run;
  }
}
