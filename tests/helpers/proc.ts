import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Spawn options that run a fixture script with this Node. */
export function fixture(name: string, ...args: (string | number)[]) {
  return { command: process.execPath, args: [FIXTURES + name, ...args.map(String)] };
}

export interface Stat {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  state: string;
}

export function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), sid: Number(f[3]) };
  } catch {
    return undefined;
  }
}

/** Alive means present and not a zombie (a zombie holds nothing and only waits to be reaped). */
export function isAlive(pid: number): boolean {
  const s = stat(pid);
  return s !== undefined && s.state !== 'Z' && s.state !== 'X';
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 15_000): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  let interval = 2;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(interval * 2, 50);
  }
}

/** Resolves with the first line of output that satisfies `match`. */
export function firstLine(p: { on(e: 'output', fn: (c: { data: Buffer }) => void): unknown; output: { read(): { data: Buffer } } }, match: (line: string) => boolean): Promise<string> {
  const find = () => p.output.read().data.toString().split('\n').slice(0, -1).find(match);
  return waitFor(find, 'a matching output line');
}
