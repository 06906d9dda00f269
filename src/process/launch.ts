import { SpawnFailedError } from '../errors/procward-error.js';
import type { PtyUnavailableError } from '../errors/pty-unavailable-error.js';
import { loadNativePty, type LoadedPty } from '../pty/native-pty.js';
import { spawnPtyChild } from '../pty/pty-child.js';
import type { ChildHandle } from '../spawn/child-handle.js';
import { childEnv } from '../spawn/child-env.js';
import { withDeathSignal } from '../spawn/death-signal.js';
import { spawnPipeChild } from '../spawn/pipe-child.js';
import { preflightArgSize, preflightSpawn } from '../spawn/preflight.js';
import { spawnSpooledChild } from '../spool/spooled-child.js';
import { spawnTmuxChild } from '../tmux/tmux-child.js';
import { forksBeforeSpawn } from '../tree/pid-window.js';
import { PERSIST_ENV } from '../tree/process-tree.js';
import type { ChildSlot } from './child-slot.js';
import type { ResolvedSpawnOptions } from './process-config.js';

/**
 * Chooses the backend of a spawn (pipes, pipes under setpriv, a spooled child, node-pty, tmux),
 * checks what the backend would report only as text (a missing command on a terminal), and starts
 * the child into `slot`. Whatever goes wrong is a spawn failure reported on the slot, never a throw.
 */
export function launch(o: ResolvedSpawnOptions, slot: ChildSlot): void {
  try {
    const forksBefore = forksBeforeSpawn();
    const env = childEnv(o.env, o.inheritEnv, slot.processId, o.managerId, o.pty !== undefined);
    const start = (spawnIt: () => ChildHandle) => startInto(slot, o.command, spawnIt, forksBefore);
    if (o.pty) {
      launchTerminal(o, env, slot, start);
    } else if (o.persist) {
      const spool = o.spool;
      start(() => {
        if (!spool) throw new Error(`its spool directory in stateDir is not a plain directory (a symlink?): the output of a persisted process would go wherever it points`);
        return spawnSpooledChild(
          { command: o.command, args: o.args, cwd: o.cwd, env: { ...env, [PERSIST_ENV]: '1' }, shell: o.shell, spoolDir: spool.dir, spool: { maxBytes: spool.maxBytes } },
          slot.events,
        );
      });
    } else if (o.setpriv) {
      // setpriv would report a failed exec only as text and exit code 127: check first, as for terminals.
      const run = withDeathSignal(o.setpriv, o.command, o.args, o.shell);
      const problem = preflightSpawn(o.shell ? (typeof o.shell === 'string' ? o.shell : '/bin/sh') : o.command, o.cwd, env) ?? preflightArgSize(run.command, run.args, env);
      if (problem) slot.events.spawnFailed(problem);
      else start(() => spawnPipeChild({ command: run.command, args: run.args, cwd: o.cwd, env, shell: false, stdin: o.stdin }, slot.events));
    } else {
      start(() => spawnPipeChild({ command: o.command, args: o.args, cwd: o.cwd, env, shell: o.shell, stdin: o.stdin }, slot.events));
    }
  } catch (err) {
    // Whatever throws while the spawn is prepared is a spawn failure like any other: reported on
    // the process, after the caller of spawn() could attach its listeners, never out of spawn().
    spawnThrew(slot, o.command, err);
  }
}

function startInto(slot: ChildSlot, command: string, spawnIt: () => ChildHandle, forksBefore: number): void {
  let child: ChildHandle;
  try {
    child = spawnIt();
  } catch (err) {
    spawnThrew(slot, command, err);
    return;
  }
  slot.attach(child, forksBefore);
}

/**
 * A terminal child reports a failed exec only as text and exit code 1: check first. The addon is
 * loaded here, on the first node-pty spawn; without one the process fails to start the way a
 * missing command does (never a throw from spawn()), with PTY_UNAVAILABLE.
 */
function launchTerminal(o: ResolvedSpawnOptions, env: Record<string, string>, slot: ChildSlot, start: (spawnIt: () => ChildHandle) => void): void {
  const t = o.pty!;
  let pty: LoadedPty | undefined;
  if (!t.tmux) {
    try {
      pty = loadNativePty(slot.processId);
    } catch (err) {
      queueMicrotask(() => slot.fail(err as PtyUnavailableError));
      return;
    }
  }
  const problem = preflightSpawn(o.command, o.cwd, env) ?? preflightArgSize(o.command, o.args, env);
  if (problem) return slot.events.spawnFailed(problem);
  if (t.tmux) {
    const { session, socket } = t.tmux;
    const tmuxEnv = o.persist ? { ...env, [PERSIST_ENV]: '1' } : env;
    return start(() => spawnTmuxChild({ command: o.command, args: o.args, cwd: o.cwd, env: tmuxEnv, cols: t.cols, rows: t.rows, name: t.name, session, socket }, slot.events));
  }
  start(() => spawnPtyChild({ command: o.command, args: o.args, cwd: o.cwd, env, cols: t.cols, rows: t.rows, name: t.name, utf8: t.utf8, pty: pty! }, slot.events));
}

/**
 * A spawn that threw synchronously. Node throws, rather than emitting `error`, for every errno
 * but a few (E2BIG, ENOTDIR of the cwd, …): those go through the same diagnosis as the others, so
 * the kinds and messages do not depend on how the OS error arrived. Anything else (a failed
 * forkpty) is kind `other`. Always asynchronous.
 */
function spawnThrew(slot: ChildSlot, command: string, err: unknown): void {
  const errno = (err as NodeJS.ErrnoException)?.code;
  if (typeof errno === 'string' && /^E[A-Z0-9]+$/.test(errno)) {
    slot.events.spawnFailed(err as NodeJS.ErrnoException);
    return;
  }
  queueMicrotask(() => slot.fail(new SpawnFailedError(`Cannot spawn "${command}": ${(err as Error)?.message ?? String(err)}`, 'other', { cause: err, processId: slot.processId })));
}
