import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProcwardError } from '../../src/index.js';
import { LEDGER_MAX_BYTES } from '../../src/ledger/ledger-file.js';
import { readProcEntry } from '../../src/tree/proc-table.js';
import { isAlive } from '../helpers/proc.js';
import { ledgerEntry, sandbox, writeLedger } from '../helpers/ledger.js';
import { useManager } from '../helpers/use-manager.js';

const cleanups: (() => void)[] = [];
const newManager = useManager({
  afterShutdown: () => {
    for (const c of cleanups.splice(0)) c();
  },
});

function box() {
  const b = sandbox();
  cleanups.push(b.cleanup);
  return b;
}

describe('ids that climb out of stateDir', () => {
  it.each([
    ['../../victim', 'a directory beside stateDir'],
    ['..', 'stateDir itself'],
    ['/tmp', 'an absolute path'],
    ['a/../../..', 'a path with separators'],
  ])('an entry with id %s (%s) makes the ledger LEDGER_CORRUPT; nothing is deleted', async (id) => {
    const { stateDir, victimFile } = box();
    // Enough later ended entries that the hostile one would be pruned past retainExited (and its
    // "spool" deleted recursively) if the ledger were taken.
    const later = [ledgerEntry({ endedAt: 10 }), ledgerEntry({ endedAt: 11 })];
    const ledger = writeLedger(stateDir, [ledgerEntry({ id, endedAt: 1 }), ...later]);
    const pm = newManager({ stateDir, retainExited: 1 });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/processes\.0\.id.*no process was touched/) });
    expect(readFileSync(victimFile, 'utf8')).toBe('secret\n');
    expect(existsSync(ledger)).toBe(true);
  });

  it('history() of an id that is not ours reads nothing outside stateDir: NOT_FOUND', () => {
    const { stateDir } = box();
    const pm = newManager({ stateDir });
    expect(() => pm.history({ id: '../../victim' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => pm.history({ id: '../victim' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('valid ids are pruned past retainExited as before, with their spools, and nothing beside stateDir moves', async () => {
    const { stateDir, victimFile } = box();
    const entries = [ledgerEntry({ endedAt: 1 }), ledgerEntry({ endedAt: 10 }), ledgerEntry({ endedAt: 11 })];
    writeLedger(stateDir, entries);
    const pm = newManager({ stateDir, retainExited: 1 });
    const report = await pm.recover();
    expect(report.exited).toHaveLength(3);
    const kept = JSON.parse(readFileSync(join(stateDir, 'ledger.json'), 'utf8')).processes.map((e: { id: string }) => e.id);
    expect(kept).toEqual([entries[2]!.id]);
    expect(readFileSync(victimFile, 'utf8')).toBe('secret\n');
  });
});

const NOBODY = 65534;
const isRoot = process.getuid?.() === 0;

describe('what sits at the ledger path', () => {
  it.each([
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), /FIFO/],
    ['a symlink to /dev/zero', (path: string) => symlinkSync('/dev/zero', path), /symbolic link/],
    ['a directory', (path: string) => mkdirSync(path), /a directory, not a regular file/],
    [
      'a sparse file above the cap',
      (path: string) => {
        writeFileSync(path, '');
        truncateSync(path, LEDGER_MAX_BYTES + 1);
      },
      /above the cap of 67108864/,
    ],
  ])('%s is LEDGER_CORRUPT, at once; a spawn meanwhile runs and is told', async (_what, plant, message) => {
    const { stateDir } = box();
    const path = join(stateDir, 'ledger.json');
    plant(path);
    const pm = newManager({ stateDir });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(message) });
    // A spawn reaches the ledger too (its first write reads it): it must not block or crash the host.
    const errors: ProcwardError[] = [];
    pm.on('error', (e) => errors.push(e));
    const p = pm.spawn({ command: 'true' });
    expect((await p.exited).state).toBe('completed');
    await expect.poll(() => errors.map((e) => e.code)).toContain('LEDGER_CORRUPT');
  });

  it.skipIf(!isRoot)('a ledger of another owner is LEDGER_CORRUPT (root can read it: the check is on the owner)', async () => {
    const { stateDir } = box();
    const path = writeLedger(stateDir, [ledgerEntry()]);
    chownSync(path, NOBODY, NOBODY);
    const pm = newManager({ stateDir });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining(`belongs to uid ${NOBODY}`) });
  });

  it.skipIf(!isRoot)('a stateDir of another owner is LEDGER_CORRUPT: its owner could forge the ledger', async () => {
    const { stateDir } = box();
    writeLedger(stateDir, [ledgerEntry()]);
    chownSync(stateDir, NOBODY, NOBODY);
    const pm = newManager({ stateDir });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining('stateDir') });
  });

  it('a symlinked spool directory is neither read nor deleted through', async () => {
    const { base, stateDir } = box();
    const kept = ledgerEntry({ endedAt: 10 });
    const pruned = ledgerEntry({ endedAt: 1 });
    writeLedger(stateDir, [pruned, kept]);
    // stateDir/spool → a directory beside stateDir, holding what looks like the spool of each id.
    const elsewhere = join(base, 'elsewhere');
    for (const e of [pruned, kept]) {
      mkdirSync(join(elsewhere, e.id as string), { recursive: true });
      writeFileSync(join(elsewhere, e.id as string, '0000000000000000.out'), 'secret\n');
    }
    symlinkSync(elsewhere, join(stateDir, 'spool'));
    const pm = newManager({ stateDir, retainExited: 1 });
    const errors: ProcwardError[] = [];
    pm.on('error', (e) => errors.push(e));
    const report = await pm.recover();
    expect(report.exited).toHaveLength(2);
    // The pruned entry's "spool" is outside stateDir: left alone, and said so.
    expect(readFileSync(join(elsewhere, pruned.id as string, '0000000000000000.out'), 'utf8')).toBe('secret\n');
    expect(errors.map((e) => e.code)).toContain('STATE_FAILED');
    expect(pm.history({ id: kept.id as string }).data.toString()).toBe('');
  });
});

/** A process that has nothing to do with procward: plain child_process, its own group and session. */
async function stranger(): Promise<{ pid: number; startTicks: number }> {
  const child = spawn('sleep', ['60'], { stdio: 'ignore', detached: true });
  await once(child, 'spawn');
  child.unref();
  const pid = child.pid!;
  cleanups.push(() => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });
  return { pid, startTicks: readProcEntry(pid)!.startTicks };
}

describe('forged entries: a pid and a start time prove nothing', () => {
  it.each([
    ['killed (persist: false)', false],
    ['adopted (persist: true)', true],
  ])('an unrelated live process that would be %s is left alone and reported unverified', async (_what, persist) => {
    const { stateDir } = box();
    const victim = await stranger();
    const forged = ledgerEntry({ ...victim, command: 'sleep', args: ['60'], persist, state: 'running', endedAt: null, exit: null });
    writeLedger(stateDir, [forged]);
    const pm = newManager({ stateDir });
    const report = await pm.recover();
    expect(report.lost).toEqual([{ entry: expect.objectContaining({ id: forged.id }), why: 'unverified' }]);
    expect(report.killed).toEqual([]);
    expect(report.adopted).toEqual([]);
    expect(pm.list()).toEqual([]);
    expect(isAlive(victim.pid)).toBe(true);
  });

  it('an entry naming this very test process is unverified too', async () => {
    const { stateDir } = box();
    const self = ledgerEntry({ pid: process.pid, startTicks: readProcEntry(process.pid)!.startTicks, persist: false, state: 'running', endedAt: null, exit: null });
    writeLedger(stateDir, [self]);
    const pm = newManager({ stateDir });
    expect((await pm.recover()).lost).toEqual([{ entry: expect.objectContaining({ id: self.id }), why: 'unverified' }]);
  });

  it('a tmux session name tmux would not take literally is LEDGER_CORRUPT: no unhandled rejection, no process left starting', async () => {
    const { stateDir } = box();
    const victim = await stranger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      writeLedger(stateDir, [ledgerEntry({ ...victim, persist: true, state: 'running', endedAt: null, exit: null, tmux: { socket: 'procward', session: 'x;kill-server' } })]);
      const pm = newManager({ stateDir });
      await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining('processes.0.tmux.session') });
      expect(pm.list()).toEqual([]);
      // A turn of the event loop for a stray rejection to surface.
      await new Promise((r) => setImmediate(r));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it.each([
    ['pid', { pid: -1 }],
    ['pid', { pid: 2 ** 40 }],
    ['pid', { pid: 1.5 }],
    ['startTicks', { startTicks: '123' }],
    ['startTicks', { startTicks: 1e300 }],
    ['command', { command: 'sleep\u0000x' }],
    ['args.0', { args: [42] }],
    ['metadata', { metadata: JSON.parse('['.repeat(70) + ']'.repeat(70)) }],
    ['metadata', { metadata: { deep: JSON.parse('{"a":'.repeat(70) + '1' + '}'.repeat(70)) } }],
    ['exit.signal', { exit: { code: null, signal: 'KILL; rm -rf /', reason: 'signal' } }],
    ['createdAt', { createdAt: -1 }],
    ['state', { state: 'zombie' }],
    ['tmux.socket', { tmux: { socket: '../x', session: 'ok' } }],
    ['managerId', { managerId: 'earlier' }],
  ])('a wrong %s is LEDGER_CORRUPT naming the field', async (field, override) => {
    const { stateDir } = box();
    writeLedger(stateDir, [ledgerEntry(), ledgerEntry(override)]);
    const pm = newManager({ stateDir });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringContaining(`processes.1.${field}`) });
  });
});
