import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import { ledgerEntry, sandbox, writeLedger } from '../helpers/ledger.js';

let pm: ProcessManager | undefined;
const cleanups: (() => void)[] = [];
afterEach(async () => {
  await pm?.shutdown();
  pm = undefined;
  for (const c of cleanups.splice(0)) c();
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
    pm = new ProcessManager({ stateDir, retainExited: 1 });
    await expect(pm.recover()).rejects.toMatchObject({ code: 'LEDGER_CORRUPT', message: expect.stringMatching(/processes\.0\.id.*no process was touched/) });
    expect(readFileSync(victimFile, 'utf8')).toBe('secret\n');
    expect(existsSync(ledger)).toBe(true);
  });

  it('history() of an id that is not ours reads nothing outside stateDir: NOT_FOUND', () => {
    const { stateDir } = box();
    pm = new ProcessManager({ stateDir });
    expect(() => pm!.history({ id: '../../victim' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(() => pm!.history({ id: '../victim' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('valid ids are pruned past retainExited as before, with their spools, and nothing beside stateDir moves', async () => {
    const { stateDir, victimFile } = box();
    const entries = [ledgerEntry({ endedAt: 1 }), ledgerEntry({ endedAt: 10 }), ledgerEntry({ endedAt: 11 })];
    writeLedger(stateDir, entries);
    pm = new ProcessManager({ stateDir, retainExited: 1 });
    const report = await pm.recover();
    expect(report.exited).toHaveLength(3);
    const kept = JSON.parse(readFileSync(join(stateDir, 'ledger.json'), 'utf8')).processes.map((e: { id: string }) => e.id);
    expect(kept).toEqual([entries[2]!.id]);
    expect(readFileSync(victimFile, 'utf8')).toBe('secret\n');
  });
});
