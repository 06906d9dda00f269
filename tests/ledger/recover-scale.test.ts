import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ledgerEntry, sandbox, writeLedger } from '../helpers/ledger.js';
import { useManager } from '../helpers/use-manager.js';

// PID_MAX_LIMIT: pids are always below pid_max, which is at most this; no process ever has it.
const NEVER_A_PID = 4_194_304;
const ENTRIES = 20_000;

let cleanup: (() => void) | undefined;
const newManager = useManager({ afterShutdown: () => cleanup?.() });

describe('recover() of a big ledger', () => {
  it('settles 20 000 entries in many turns of the event loop, prunes once, and gets every one right', async () => {
    const box = sandbox();
    cleanup = box.cleanup;
    // Half ended (their own endedAt), half unfinished without endedAt: running with a pid that
    // cannot exist (lost, gone) or still queued (lost, never-started).
    const entries = Array.from({ length: ENTRIES }, (_, i) =>
      i % 2 === 0
        ? ledgerEntry({ endedAt: i + 1, metadata: { i } })
        : ledgerEntry({ state: i % 4 === 1 ? 'running' : 'queued', ...(i % 4 === 1 ? { pid: NEVER_A_PID, startTicks: 7 } : {}), startedAt: null, endedAt: null, exit: null, metadata: { i } }),
    );
    writeLedger(box.stateDir, entries);
    // Spools of the oldest ended entry (pruned) and of an unfinished one (lost now, so kept: it ended last).
    const oldest = entries[0]!.id as string;
    const lostOne = entries[1]!.id as string;
    for (const id of [oldest, lostOne]) {
      mkdirSync(join(box.stateDir, 'spool', id), { recursive: true });
      writeFileSync(join(box.stateDir, 'spool', id, '0000000000000000.out'), `output of ${id}\n`);
    }
    const retainExited = ENTRIES / 2;
    const pm = newManager({ stateDir: box.stateDir, retainExited });

    // Counts turns of the event loop while recover() runs: a synchronous recover() gets none.
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    const report = await pm.recover();
    counting = false;

    expect(turns).toBeGreaterThanOrEqual(20);
    expect(report.exited).toHaveLength(ENTRIES / 2);
    expect(report.lost).toHaveLength(ENTRIES / 2);
    expect(report.lost.filter((l) => l.why === 'gone')).toHaveLength(ENTRIES / 4);
    expect(report.lost.filter((l) => l.why === 'never-started')).toHaveLength(ENTRIES / 4);
    expect(report.adopted).toEqual([]);
    expect(report.killed).toEqual([]);

    // The lost entries ended now, after every exited one: they are the ones kept.
    const ledger = JSON.parse(readFileSync(join(box.stateDir, 'ledger.json'), 'utf8'));
    expect(ledger.processes).toHaveLength(retainExited);
    expect(ledger.processes.every((e: { state: string; exit: { reason: string } }) => e.state === 'failed' && e.exit.reason === 'lost')).toBe(true);
    expect(existsSync(join(box.stateDir, 'spool', oldest))).toBe(false);
    expect(pm.history({ id: lostOne }).data.toString()).toBe(`output of ${lostOne}\n`);
    expect(() => pm.history({ id: oldest })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    rmSync(join(box.stateDir, 'spool'), { recursive: true, force: true });
  });
});
