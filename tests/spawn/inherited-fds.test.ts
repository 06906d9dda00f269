import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedProcess, ProcessManager, SpawnOptions } from '../../src/index.js';
import { inheritableFds } from '../../src/internal/inheritable-fds.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { tmuxTestSocket } from '../helpers/tmux.js';
import { useManager } from '../helpers/use-manager.js';

// A child's view of its own descriptors: the shell execs ls on its own /proc entry, so ls lists what
// the child inherited (and the directory it has open to read it).
const LIST_FDS = 'exec ls -l /proc/$$/fd';
const SOCKET = tmuxTestSocket('fds-test');
const O_CLOEXEC = 0o2000000;

const dirs: string[] = [];
const newManager = useManager({
  // A terminal's master is closed, and forgotten, a moment after its process has ended.
  afterShutdown: () => waitFor(() => inheritableFds().length === 0, 'every master to be closed'),
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const text = (p: ManagedProcess) => p.output.read().data.toString();

/** What the child said its descriptors are. */
async function childFds(pm: ProcessManager, options: Partial<SpawnOptions>): Promise<Map<number, string>> {
  const p = pm.spawn({ ...options, command: 'sh', args: ['-c', LIST_FDS] });
  const exit = await p.exited;
  expect(exit.state, text(p)).toBe('completed');
  const fds = new Map<number, string>();
  for (const m of text(p).matchAll(/ (\d+) -> (\S*)/g)) {
    // The directory ls reads to list them is open while it reads.
    if (!/^\/proc\/\d+\/fd$/.test(m[2]!)) fds.set(Number(m[1]), m[2]!);
  }
  // Descriptors the test process itself inherited without close-on-exec (the runner's, not the
  // library's) reach every child of it, as they would without procward.
  for (const fd of foreignFds()) fds.delete(fd);
  return fds;
}

function flagsOf(fd: number | string): number {
  return Number.parseInt(/flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))![1]!, 8);
}

function foreignFds(): number[] {
  const held = new Set(inheritableFds());
  const out: number[] = [];
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    try {
      if (fd > 2 && !held.has(fd) && (flagsOf(fd) & O_CLOEXEC) === 0) out.push(fd);
    } catch {
      /* the directory being read, closed now */
    }
  }
  return out;
}

/**
 * A terminal whose master sits above a gap of unused descriptor numbers: what made node-pty's
 * close-on-exec walk in the child (which stops at the first gap above 15) miss it.
 */
async function terminalAboveGap(pm: ProcessManager): Promise<ManagedProcess> {
  // A descriptor below the spacers that the host closes meanwhile (a pipe of an earlier child,
  // closed by libuv in its own time) takes the master instead: the setup is made again then.
  for (let attempt = 0; ; attempt++) {
    const spacers = Array.from({ length: 24 }, () => openSync('/dev/null', 'r'));
    const t = pm.spawn({ command: 'cat', pty: true });
    await t.started;
    for (const fd of spacers) closeSync(fd);
    if (Math.max(...inheritableFds()) > Math.max(...spacers)) return t;
    await t.kill();
    expect(attempt, 'a master above a gap of 24 free descriptors, in 5 attempts').toBeLessThan(4);
  }
}

/** Descriptors of a process that are terminal masters, with the terminal each belongs to. */
function masters(pid: number | 'self'): Map<number, string> {
  const out = new Map<number, string>();
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (!/ptmx$/.test(readlinkSync(`/proc/${pid}/fd/${name}`))) continue;
      out.set(Number(name), /tty-index:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/fdinfo/${name}`, 'utf8'))?.[1] ?? '?');
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** Two terminals kept open (cat waits for input), so that their masters are held while other children start. */
async function openTerminals(pm: ProcessManager): Promise<ManagedProcess[]> {
  const terms = [pm.spawn({ command: 'cat', pty: true }), pm.spawn({ command: 'cat', pty: true })];
  await Promise.all(terms.map((t) => t.started));
  expect(inheritableFds().length).toBeGreaterThanOrEqual(2);
  return terms;
}

describe('terminal masters do not leak into children', () => {
  it('pipe children: 0, 1 and 2, plus /dev/null where the host has a terminal master; no terminal', async () => {
    const pm = newManager();
    await openTerminals(pm);
    await terminalAboveGap(pm);
    const held = inheritableFds();
    const fds = await childFds(pm, {});
    expect([...fds.keys()].filter((fd) => fd > 2).sort((a, b) => a - b)).toEqual(held);
    for (const fd of held) expect(fds.get(fd)).toBe('/dev/null');
    expect([...fds.values()].some((t) => /ptmx|\/dev\/pts\//.test(t))).toBe(false);
  });

  it('pipe children through setpriv (pdeathsig) and persisted children writing their spool: the same', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'procward-fds-'));
    dirs.push(stateDir);
    const pm = newManager({ pdeathsig: true, stateDir });
    await openTerminals(pm);
    const held = inheritableFds();
    for (const options of [{}, { persist: true }] as Partial<SpawnOptions>[]) {
      const fds = await childFds(pm, options);
      expect(
        [...fds.keys()].filter((fd) => fd > 2).sort((a, b) => a - b),
        JSON.stringify(options),
      ).toEqual(held);
      expect([...fds.values()].some((t) => /ptmx|\/dev\/pts\//.test(t))).toBe(false);
    }
  });

  it('terminal children (node-pty): 0, 1 and 2 only, all on their own terminal', async () => {
    const pm = newManager();
    await openTerminals(pm);
    await terminalAboveGap(pm);
    const fds = await childFds(pm, { pty: true });
    expect([...fds.keys()].sort()).toEqual([0, 1, 2]);
    expect(new Set(fds.values()).size).toBe(1);
    expect(fds.get(0)).toMatch(/^\/dev\/pts\/\d+$/);
  });

  it('terminal children above a gap keep their pid and argv (the closing exec replaces itself)', async () => {
    const pm = newManager();
    await terminalAboveGap(pm);
    const p = pm.spawn({ command: 'sleep', args: ['30'], pty: true });
    await p.started;
    // forkpty's child execs at once; the closing shell execs the command in turn: wait for the second exec.
    await waitFor(() => readFileSync(`/proc/${p.pid}/cmdline`, 'latin1') === 'sleep\x0030\x00', 'sleep to be the child');
    const foreign = new Set(foreignFds());
    const fds = () =>
      readdirSync(`/proc/${p.pid}/fd`)
        .map(Number)
        .filter((fd) => !foreign.has(fd))
        .sort((a, b) => a - b);
    // sleep opens locale files while it starts (transient); an inherited master would stay.
    await waitFor(() => fds().join() === '0,1,2', "sleep's descriptors to be only 0, 1 and 2", 5000);
  });

  // Without bash, gaps are filled for the fork instead, and masters climb (see pty/fork-guard.ts).
  const hasBash = ['/bin/bash', '/usr/bin/bash'].some((p) => existsSync(p));
  it.skipIf(!hasBash)('masters do not climb while terminals overlap: each new one takes the lowest free number', async () => {
    const pm = newManager();
    let previous = pm.spawn({ command: 'cat', pty: true });
    await previous.started;
    const first = Math.max(...inheritableFds());
    let highest = first;
    for (let i = 0; i < 40; i++) {
      const next = pm.spawn({ command: 'cat', pty: true });
      await next.started;
      highest = Math.max(highest, ...inheritableFds());
      previous.end();
      await previous.exited;
      previous = next;
    }
    // Two terminals open at a time, each with a master and a slave hold: a handful of numbers.
    expect(highest).toBeLessThan(first + 8);
  });

  it('tmux children: 0, 1 and 2 only, and the tmux server holds none of our masters', async () => {
    const pm = newManager();
    await openTerminals(pm);
    await terminalAboveGap(pm);
    // Started now, the server is forked while the masters are open; this session keeps it there
    // to be looked at afterwards.
    const keeper = pm.spawn({ command: 'cat', pty: { backend: 'tmux', socket: SOCKET } });
    await keeper.started;
    const fds = await childFds(pm, { pty: { backend: 'tmux', socket: SOCKET } });
    expect([...fds.keys()].sort()).toEqual([0, 1, 2]);
    expect(fds.get(0)).toMatch(/^\/dev\/pts\/\d+$/);
    const server = Number(execFileSync('tmux', ['-L', SOCKET, 'display-message', '-p', '#{pid}']).toString().trim());
    const ours = new Set(masters('self').values());
    for (const [fd, tty] of masters(server)) expect(ours.has(tty), `tmux server fd ${fd} is our terminal ${tty}`).toBe(false);
  });

  it('the watchdog holds none of them', async () => {
    const pm = newManager();
    await openTerminals(pm);
    // The watchdog starts with the first process; start one more so it has seen the terminals open.
    const p = pm.spawn({ command: 'true' });
    await p.exited;
    const watchdog = await waitFor(() => pm.watchdogPid, 'the watchdog');
    expect(masters(watchdog).size).toBe(0);
  });

  it("the host's own descriptors: terminal masters are the only ones without close-on-exec, and each is shielded", async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'procward-fds-'));
    dirs.push(stateDir);
    const pm = newManager({ stateDir });
    await openTerminals(pm);
    const ours = pm.spawn({ command: 'sleep', args: ['30'], persist: false });
    await ours.started;
    for (const name of readdirSync('/proc/self/fd')) {
      let target: string;
      let flags: number;
      try {
        target = readlinkSync(`/proc/self/fd/${name}`);
        flags = flagsOf(name);
      } catch {
        continue;
      }
      if (!/ptmx|\/dev\/pts\/|procward-fds-/.test(target)) continue;
      if (/ptmx/.test(target)) expect(inheritableFds(), `master ${name}`).toContain(Number(name));
      else expect(flags & O_CLOEXEC, `${name} → ${target}`).toBe(O_CLOEXEC);
    }
  });

  it('forgets a master once its terminal is closed', async () => {
    const pm = newManager();
    const before = inheritableFds().length;
    const terms = await openTerminals(pm);
    for (const t of terms) t.end();
    await Promise.all(terms.map((t) => t.exited));
    await waitFor(() => inheritableFds().length === before, 'the masters to be forgotten');
  });

  it('a pipe child cannot type into another process’s terminal (the injection repro fails)', async () => {
    const pm = newManager();
    const head = pm.spawn({ command: 'head', args: ['-n1'], pty: true });
    await head.started;
    const inject = pm.spawn({ command: 'bash', args: ['-c', 'n=0; for f in /proc/$$/fd/*; do [ "$(readlink $f)" = /dev/ptmx ] && echo injected >&${f##*/} && n=$((n+1)); done; echo "wrote to $n"'] });
    await inject.exited;
    expect(text(inject)).toBe('wrote to 0\n');
    expect(head.state).toBe('running');
    expect(isAlive(head.pid!)).toBe(true);
    await head.write('typed\r');
    const exit = await head.exited;
    expect(exit).toMatchObject({ state: 'completed', code: 0 });
    expect(text(head)).toBe('typed\r\ntyped\r\n');
  });
});
