import { spawn } from 'node:child_process';
import type { ChildEvents, ChildHandle } from './child-handle.js';
import { shieldStdio } from '../internal/inheritable-fds.js';

export interface PipeSpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  shell: boolean | string;
  stdin: 'pipe' | 'ignore';
}

/**
 * A child on pipes, through node:child_process. It leads its own session and process group
 * (detached: Node calls setsid), so the tree can be signalled as one and a terminal's Ctrl-C
 * aimed at the host does not reach it.
 */
export function spawnPipeChild(o: PipeSpawnOptions, on: ChildEvents): ChildHandle {
  const child = spawn(o.command, o.args, {
    cwd: o.cwd,
    env: o.env,
    shell: o.shell,
    detached: true,
    stdio: shieldStdio([o.stdin, 'pipe', 'pipe']),
    windowsHide: true,
  });
  let spawned = false;
  let open = 2;
  const closed = () => {
    // Counted once per stream, also when a failed spawn or closeOutput() closes them.
    if (open > 0 && --open === 0) on.outputClosed();
  };
  child.once('spawn', () => {
    spawned = true;
    on.spawned();
  });
  child.on('error', (err: NodeJS.ErrnoException) => {
    if (!spawned && (child.pid === undefined || err.syscall?.startsWith('spawn'))) on.spawnFailed(err);
    else on.failed(err);
  });
  child.once('exit', (code, signal) => on.exited(code, signal));
  child.stdout!.on('data', (d: Buffer) => on.data('stdout', d));
  child.stderr!.on('data', (d: Buffer) => on.data('stderr', d));
  child.stdout!.once('close', closed);
  child.stderr!.once('close', closed);
  // A read error on a pipe (rare: EIO) must not become an uncaught 'error' event in the host.
  child.stdout!.on('error', (err) => on.failed(err));
  child.stderr!.on('error', (err) => on.failed(err));
  return {
    get pid() {
      return child.pid;
    },
    ownChild: true,
    input: child.stdin ?? undefined,
    closeOutput() {
      child.stdout!.destroy();
      child.stderr!.destroy();
    },
  };
}
