/**
 * Raw node:child_process spawns (and bare node-pty terminals) for the baselines, tracked so that
 * none survives the bench, and a scan of /proc for any descendant left over at the end.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { IPty } from '@lydell/node-pty';

export const FIXTURES = fileURLToPath(new URL('../../tests/fixtures/', import.meta.url));

const live = new Set<ChildProcess>();
const livePtys = new Set<IPty>();

/**
 * Spawns with the same stdio procward uses by default (stdin ignored, stdout and stderr piped)
 * so both sides do the same I/O work.
 */
export function rawSpawn(command: string, args: string[] = [], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', (err) => {
    live.delete(child);
    console.error(`raw child ${command} failed: ${err.message}`);
  });
  return child;
}

/**
 * Tracks a bare node-pty child (the PTY baselines) like rawSpawn does. node-pty is imported by the
 * caller, not here, so that sections without terminals do not load its native addon.
 */
export function trackPty(term: IPty): IPty {
  livePtys.add(term);
  term.onExit(() => livePtys.delete(term));
  return term;
}

/** Resolves on 'close' (process exited and its stdio closed) with the exit code and signal. */
export function closed(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
}

/** Resolves on 'exit' (process reaped; its pipes may still be open). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** SIGKILLs every raw child (and bare terminal child) still running. */
export function killRawChildren(): number {
  let n = 0;
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      n++;
    }
  }
  for (const term of livePtys) {
    // Not term.kill(): it swallows ESRCH, and a child already reaped must not count.
    try {
      process.kill(term.pid, 'SIGKILL');
      n++;
    } catch {
      /* already reaped; node-pty reports the exit only once the terminal is closed too */
    }
    livePtys.delete(term);
  }
  return n;
}

/** Every live (non-zombie) descendant of this process, found through /proc parent links. */
export function liveDescendants(): { pid: number; comm: string }[] {
  const children = new Map<number, { pid: number; comm: string; state: string }[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const fields = stat.slice(close + 2).split(' ');
    const ppid = Number(fields[1]);
    const entry = { pid: Number(name), comm: stat.slice(stat.indexOf('(') + 1, close), state: fields[0] ?? '?' };
    const list = children.get(ppid) ?? [];
    list.push(entry);
    children.set(ppid, list);
  }
  const out: { pid: number; comm: string }[] = [];
  const queue = [process.pid];
  while (queue.length > 0) {
    for (const c of children.get(queue.pop()!) ?? []) {
      if (c.state !== 'Z') out.push({ pid: c.pid, comm: c.comm });
      queue.push(c.pid);
    }
  }
  return out;
}
