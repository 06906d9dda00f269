import { closeSync, constants as fsConstants, openSync, readSync } from 'node:fs';
import { constants } from 'node:os';
import { ReadStream } from 'node:tty';
import type { ChildEvents, ChildHandle } from '../spawn/child-handle.js';
import { forgetInheritable, holdInheritable } from '../internal/inheritable-fds.js';
import { errnoFromText } from '../spawn/spawn-error.js';
import { guardFork } from './fork-guard.js';
import type { LoadedPty } from './native-pty.js';
import { TerminalInput } from './terminal-input.js';

export interface PtySpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  /** Terminal type, set as TERM. */
  name: string;
  /** Tell the line discipline that input is UTF-8 (IUTF8), so that erase removes whole characters. */
  utf8: boolean;
  /** The addon, loaded by the caller (loading can fail, and that failure is the caller's to report). */
  pty: LoadedPty;
}

// One buffer for every synchronous drain: drains never overlap, and each read is copied out.
const drainBuffer = Buffer.allocUnsafe(64 * 1024);

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]));

// What the forked child prints to the terminal when exec or chdir fails (node-pty's pty.cc),
// right before exiting with code 1: the only report of such a failure there is.
const EXEC_FAILED = /^(execvp\(3\)|chdir\(2\)) failed\.: (.*)/;

/**
 * A child on a pseudo-terminal. forkpty gives it a new session with the terminal as its
 * controlling tty, so it leads its own session and process group, as a pipe child does.
 *
 * Output ends when the terminal says so: read() on the master returns EIO once every holder of the
 * slave side has closed it, after everything written has been read. The leader's exit alone is not
 * the end (its last bytes may still be in the kernel); closeOutput() drains what the kernel holds,
 * synchronously, before letting go.
 */
export function spawnPtyChild(o: PtySpawnOptions, on: ChildEvents): ChildHandle {
  const { native, helperPath } = o.pty;
  const env: string[] = [];
  for (const key in o.env) if (key !== 'TERM') env.push(`${key}=${o.env[key]}`);
  env.push(`TERM=${o.name}`);
  let head = '';
  let closed = false;
  let input: TerminalInput | undefined;
  const size = { cols: o.cols, rows: o.rows };

  // Other terminals' masters must not reach this child (fork-guard.ts).
  const fork = guardFork(o.command, o.args);
  let term: ReturnType<typeof native.fork>;
  try {
    term = native.fork(fork.command, fork.args, env, o.cwd, o.cols, o.rows, -1, -1, o.utf8, helperPath, onExit);
  } finally {
    fork.release();
  }
  function onExit(code: number, signal: number): void {
    // The leader is gone: everything it wrote is in the kernel now. Read it all before anything
    // else can end the output, then let go of our hold on the terminal.
    drainKernel();
    releaseHold();
    reader.resume();
    const signalName = signal > 0 ? (SIGNAL_NAMES.get(signal) ?? null) : null;
    const failed = code === 1 && signalName === null ? EXEC_FAILED.exec(head) : null;
    if (failed) {
      const err = Object.assign(new Error(failed[2]!.trim()), { code: errnoFromText(failed[2]!), syscall: 'spawn' });
      on.spawnFailed(err);
      return;
    }
    on.exited(signalName ? null : code, signalName);
  }

  // The master comes without FD_CLOEXEC (Node cannot set it): children spawned through
  // child_process get /dev/null in its place until it is closed (internal/inheritable-fds.ts).
  holdInheritable(term.fd);

  // Hold the terminal's slave side open while the leader runs. Without a holder, the master reports
  // EIO as soon as the last writer closes, and on a loaded machine that report can overtake bytes
  // still on their way through the terminal: the end of the output is lost (up to several KB, in
  // a large share of runs). With the hold, the master only ever says "nothing yet" (EAGAIN), the
  // kernel drain at exit reads everything, and EIO comes once the hold is released. (libuv opens it
  // close-on-exec: no child inherits it.)
  let hold: number | undefined = openSync(term.pty, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  const releaseHold = () => {
    if (hold === undefined) return;
    closeSync(hold);
    hold = undefined;
  };

  const reader = new ReadStream(term.fd);
  const deliver = (data: Buffer) => {
    if (head.length < 64) head += data.toString('latin1', 0, 64);
    on.data('pty', data);
  };
  const drainKernel = () => {
    if (closed) return;
    // Chunks the reader took but has not emitted come first, then what the kernel holds.
    reader.pause();
    for (let chunk = reader.read() as Buffer | null; chunk; chunk = reader.read() as Buffer | null) deliver(chunk);
    // The read that ends the loop fails (EAGAIN: nothing more now; EIO: the end): skip its stack.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (;;) {
        let n = 0;
        try {
          n = readSync(term.fd, drainBuffer, 0, drainBuffer.length, null);
        } catch {
          break;
        }
        if (n <= 0) break;
        deliver(Buffer.from(drainBuffer.subarray(0, n)));
      }
    } finally {
      Error.stackTraceLimit = limit;
    }
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    // Every way here closes the reader's handle first, and the master with it: forget it now (not
    // at a later 'close', by when the number may be another terminal's master).
    forgetInheritable(term.fd);
    releaseHold();
    input?.destroy();
    on.outputClosed();
  };
  reader.on('data', deliver);
  reader.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EAGAIN') return; // the reader retries on its own
    // EIO: every holder of the slave side closed it and everything written has been read.
    if (err.code !== 'EIO') on.failed(err);
    finish();
  });
  reader.on('close', finish);
  input = new TerminalInput(term.fd);
  queueMicrotask(() => on.spawned());

  return {
    pid: term.pid,
    ownChild: true,
    input,
    terminalSize: size,
    resize(cols, rows) {
      if (closed) return;
      native.resize(term.fd, cols, rows);
      size.cols = cols;
      size.rows = rows;
    },
    closeOutput() {
      if (closed) return;
      // Whatever the kernel holds now was written before we let go: read it before closing.
      drainKernel();
      reader.destroy();
      finish();
    },
  };
}
