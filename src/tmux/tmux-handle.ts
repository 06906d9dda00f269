import type { Writable } from 'node:stream';
import type { ChildHandle } from '../spawn/child-handle.js';

/*
 * What a tmux child offers beyond any child: the types tmux-child.ts returns, tmux-pane.ts
 * implements and pane-commands.ts fills in, kept apart so that none of the three imports another
 * for them (tmux-child → tmux-pane → pane-commands → tmux-child was a cycle).
 */

/** The screen as tmux has it. */
export interface TmuxCapture {
  /** One string per row of the visible screen, trailing spaces trimmed. */
  lines: string[];
  /** Zero-based column and row. */
  cursor: { x: number; y: number };
}

export interface TmuxChildHandle extends ChildHandle {
  /** Keystrokes: each write is typed into the pane byte for byte; end() types Ctrl-D. */
  readonly input: Writable;
  readonly session: string;
  readonly socket: string;
  readonly terminalSize: { cols: number; rows: number };
  resize(cols: number, rows: number): void;
  capture(): Promise<TmuxCapture>;
  /** SIGHUP to the command, SIGKILL if it stays, then kill-session; resolves when the session is gone. */
  kill(): Promise<void>;
}
