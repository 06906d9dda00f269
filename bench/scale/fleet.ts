/**
 * N live `sleep` children, raw (node:child_process, each in its own process group as procward
 * puts them) or through a ProcessManager, started and waited for until every one is running.
 */
import type { ChildProcess } from 'node:child_process';
import { ProcessManager, type ManagedProcess, type SpawnOptions } from '../lib/library.js';
import { closed, rawSpawn } from '../lib/children.js';

export const SLEEP: SpawnOptions = { command: 'sleep', args: ['300'] };

export function spawned(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
}

export interface RawFleet {
  children: ChildProcess[];
  /** Every child's 'close' (exited, pipes closed). */
  closed: Promise<unknown>[];
}

export async function rawFleet(n: number): Promise<RawFleet> {
  const children = Array.from({ length: n }, () => rawSpawn(SLEEP.command, [...(SLEEP.args ?? [])], { detached: true }));
  const ends = children.map((c) => closed(c));
  await Promise.all(children.map(spawned));
  return { children, closed: ends };
}

/** What a raw host does to stop them all: SIGTERM each group, wait for every close. */
export async function rawStop(fleet: RawFleet): Promise<void> {
  for (const c of fleet.children) process.kill(-c.pid!, 'SIGTERM');
  await Promise.all(fleet.closed);
}

export async function pwFleet(n: number, pm = new ProcessManager({ retainExited: 0 }), options: SpawnOptions = SLEEP): Promise<{ pm: ProcessManager; ps: ManagedProcess[] }> {
  const ps = Array.from({ length: n }, () => pm.spawn(options));
  await Promise.all(ps.map((p) => p.started));
  return { pm, ps };
}

/** Lets the turns queued by a burst of spawns run before a measurement starts. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}
