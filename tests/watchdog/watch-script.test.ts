import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTicksLowerBound, startTicksUpperBound } from '../../src/tree/proc-table.js';
import { PERSIST_ENV } from '../../src/tree/process-tree.js';
import { reaperMain, WATCH_SCRIPT } from '../../src/watchdog/watchdog-program.js';

const children: ReturnType<typeof spawn>[] = [];
const dir = mkdtempSync(join(tmpdir(), 'procward-watch-'));
// A command name with spaces and parentheses: the start ticks are still read past the last one.
const oddName = join(dir, 'x) (y z');
symlinkSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), oddName);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    c.kill('SIGKILL');
    await once(c, 'exit');
  }
});

/** The shell loop as the host starts it, with `echo` in place of Node: what it would hand the reaper. */
function reaperArgs(lines: string): string[] {
  const r = spawnSync('/bin/sh', ['-c', WATCH_SCRIPT, 'procward-watchdog', '/bin/echo', 'PROGRAM', 'MANAGER', '7', 'KEEP'], { input: lines, encoding: 'utf8' });
  expect(r.status).toBe(0);
  const words = r.stdout.trim().split(' ');
  expect(words.slice(0, 4)).toEqual(['PROGRAM', 'MANAGER', '7', 'KEEP']);
  return words.slice(4);
}

function startTicks(pid: number): number {
  const text = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[19]);
}

async function sleeper(): Promise<ReturnType<typeof spawn>> {
  // Its own group, as a leader; a name with spaces and parentheses, which the reaper reads past.
  const c = spawn(oddName, ['30'], { detached: true });
  children.push(c);
  await once(c, 'spawn');
  return c;
}

/** The reaper as the watchdog runs it when the host is gone, for a manager none of these belong to. */
function reap(leaders: string[]): void {
  const program = `const __name = (f) => f; (${reaperMain.toString()})(require('node:fs'), process.argv[1], Number(process.argv[2]), process.argv[3], process.argv.slice(4))`;
  const r = spawnSync(process.execPath, ['-e', program, randomUUID(), '0', PERSIST_ENV, ...leaders], { encoding: 'utf8', timeout: 10_000 });
  expect(r.status).toBe(0);
}

describe('the watchdog shell', () => {
  it('keeps what the host announces as it came, and on `=` the list the host sends instead', () => {
    expect(reaperArgs('+ 11:1:2 12:3:4\n+ 13:5:6\n')).toEqual(['11:1:2', '12:3:4', '13:5:6']);
    expect(reaperArgs('+ 11:1:2 12:3:4\n+ 13:5:6\n= 11:1:2 13:5:6\n+ 14:7:8\n')).toEqual(['11:1:2', '13:5:6', '14:7:8']);
    // Never globbed: a word with a pattern in it reaches the reaper as it is.
    expect(reaperArgs('+ 11:1:2\n=\n+ *\n')).toEqual(['*']);
  });
});

describe('the reaper', () => {
  it('kills an announced leader’s group only if the process with its pid started within the bounds the host gave', async () => {
    const c = await sleeper();
    const start = startTicks(c.pid!);
    // Bounds that end before it started: what a pid handed to another process since looks like.
    reap([`${c.pid}:0:${start - 1}`, `${c.pid! + 4194304}:0:${start + 100}`]);
    expect(c.exitCode === null && c.signalCode === null).toBe(true);
    reap([`${c.pid}:${startTicksLowerBound(0.5)}:${startTicksUpperBound(0.5)}`]);
    const [, signal] = (await once(c, 'exit')) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
  });
});
