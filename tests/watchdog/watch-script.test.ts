import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startTicksLowerBound, startTicksUpperBound } from '../../src/tree/proc-table.js';
import { WATCH_SCRIPT } from '../../src/watchdog/watchdog-program.js';

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

function startTicks(pid: number): string {
  const text = spawnSync('cat', [`/proc/${pid}/stat`], { encoding: 'utf8' }).stdout;
  return text.slice(text.lastIndexOf(')') + 2).split(' ')[19]!;
}

async function sleeper(): Promise<number> {
  const c = spawn(oddName, ['30']);
  children.push(c);
  await once(c, 'spawn');
  return c.pid!;
}

describe('the watchdog shell', () => {
  it('reads each announced leader’s start ticks itself and keeps only those within the bounds the host gave', async () => {
    const [a, b] = [await sleeper(), await sleeper()];
    const lo = startTicksLowerBound();
    const hi = startTicksUpperBound();
    const gone = 4194304 + 1; // above any pid_max: no such process
    const args = reaperArgs(`+ ${a}:${lo}:${hi} ${gone}:${lo}:${hi}\n+ ${b}:0:1\n`);
    // b's bounds end before it started: a pid handed to another process since would look like this.
    expect(args).toEqual([`${a}:${startTicks(a)}`]);
  });

  it('`=` keeps the listed leaders with the start ticks read when they were announced', async () => {
    const [a, b, c] = [await sleeper(), await sleeper(), await sleeper()];
    const lo = startTicksLowerBound();
    const hi = startTicksUpperBound();
    const args = reaperArgs(`+ ${a}:${lo}:${hi} ${b}:${lo}:${hi}\n+ ${c}:${lo}:${hi}\n= ${c} ${a} 12345678\n`);
    expect(args).toEqual([`${a}:${startTicks(a)}`, `${c}:${startTicks(c)}`]);
  });
});
