import { spawn } from 'node:child_process';
import { closeSync } from 'node:fs';
import { isProcwardError } from '../errors/procward-error.js';
import { guarded } from '../internal/guarded.js';
import type { ChildEvents, ChildHandle } from '../spawn/child-handle.js';
import { shieldStdio } from '../internal/inheritable-fds.js';
import { isDeadState, readProcEntry } from '../tree/proc-table.js';
import { readSpool } from './spool-reader.js';
import { SpoolWriter } from './spool-writer.js';
import type { SpoolOptions } from './spool-options.js';

/** How often the spool is read for new output, and an adopted leader checked for life. */
const POLL_MS = 50;

export interface SpooledSpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  shell: boolean | string;
  spoolDir: string;
  spool: SpoolOptions;
}

/**
 * Follows a spool from `since`: what the child writes reaches the host by the file, not a pipe.
 * `finish()` reads everything left synchronously and stops following; `close()` finishes and
 * reports the output closed, once.
 *
 * Runs in a timer, so nothing here may throw: a spool directory that does not exist (removed by
 * hand, or never created because the child wrote nothing before the host went) is output not
 * written yet, as [ADOPT] assumes; any other failure (EACCES, EIO) is reported once through
 * `on.failed` and following goes on, in case it passes.
 */
function follow(dir: string | undefined, since: number, on: ChildEvents): { finish(): void; close(): void } {
  let cursor = since;
  let reported = false;
  const drain = () => {
    // No spool that can be trusted (see LedgerKeeper.spoolFor): nothing is read from it.
    if (dir === undefined) return;
    try {
      for (;;) {
        const r = readSpool(dir, { since: cursor, limit: 1024 * 1024 });
        // r.to < cursor: a listing that missed the newest segment (see followSpool); try again later.
        if (r.data.length === 0 || r.to < cursor) return;
        cursor = r.to;
        on.data('stdout', r.data);
      }
    } catch (err) {
      if (isProcwardError(err, 'NOT_FOUND') || reported) return;
      reported = true;
      on.failed(err instanceof Error ? err : new Error(String(err)));
    }
  };
  // The timer never keeps a host alive: a persisted process is meant to outlive it.
  const timer = setInterval(
    guarded(drain, (err) => on.failed(err as Error)),
    POLL_MS,
  ).unref();
  let closed = false;
  const finish = () => {
    clearInterval(timer);
    drain();
  };
  return {
    finish,
    close() {
      if (closed) return;
      closed = true;
      finish();
      on.outputClosed();
    },
  };
}

/**
 * A child that must outlive its host (`persist: true`): stdout and stderr go straight to its
 * spool file, so nothing is lost while no host runs, and the host reads the file. Both streams
 * share the file, in the order written, and arrive as `stdout`. The child is unref'd: it never
 * keeps the host alive.
 */
export function spawnSpooledChild(o: SpooledSpawnOptions, on: ChildEvents): ChildHandle {
  const start = new SpoolWriter(o.spoolDir, o.spool).end;
  const fd = SpoolWriter.openForChild(o.spoolDir, o.spool);
  let child;
  try {
    child = spawn(o.command, o.args, { cwd: o.cwd, env: o.env, shell: o.shell, detached: true, stdio: shieldStdio(['ignore', fd, fd]), windowsHide: true });
  } finally {
    closeSync(fd); // the child has its own copy
  }
  child.unref();
  const reader = follow(o.spoolDir, start, on);
  let spawned = false;
  child.once('spawn', () => {
    spawned = true;
    on.spawned();
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (!spawned) {
      reader.finish(); // no outputClosed after a failed spawn: the failure ends it
      on.spawnFailed(err);
    } else on.failed(err);
  });
  child.once('exit', (code, signal) => {
    reader.finish();
    on.exited(code, signal);
    reader.close();
  });
  return {
    get pid() {
      return child.pid;
    },
    input: undefined,
    closeOutput: () => reader.close(),
  };
}

/**
 * A persisted process found alive after a host restart. It is not the host's child, so its exit
 * is noticed by polling /proc (pid and start time) and its exit status is unknown (null).
 */
export function adoptSpooledChild(pid: number, startTicks: number, spoolDir: string | undefined, since: number, on: ChildEvents): ChildHandle {
  const reader = follow(spoolDir, since, on);
  const alive = () => {
    const e = readProcEntry(pid);
    return e !== undefined && e.startTicks === startTicks && !isDeadState(e.state);
  };
  const watch = setInterval(
    guarded(
      () => {
        if (alive()) return;
        clearInterval(watch);
        reader.finish();
        on.exited(null, null);
        reader.close();
      },
      (err) => on.failed(err as Error),
    ),
    POLL_MS,
  ).unref();
  queueMicrotask(() => on.spawned());
  return { pid, input: undefined, closeOutput: () => reader.close() };
}
