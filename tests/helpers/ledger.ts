import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A ledger entry as a host writes it, with `overrides` on top (any field, any type: for forged ledgers). */
export function ledgerEntry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as string | undefined) ?? randomUUID();
  return {
    id,
    managerId: EARLIER_MANAGER,
    command: 'true',
    args: [],
    cwd: '/',
    type: 'command',
    metadata: {},
    persist: false,
    state: 'completed',
    createdAt: 1,
    startedAt: 1,
    endedAt: 2,
    exit: { code: 0, signal: null, reason: 'exit' },
    spoolDir: `/nowhere/spool/${id}`,
    ...overrides,
  };
}

/** The manager id of the forged earlier host. */
export const EARLIER_MANAGER = randomUUID();

export function ledgerText(processes: unknown[]): string {
  return JSON.stringify({ format: 'procward-ledger', version: 1, managerId: EARLIER_MANAGER, hostPid: 1, updatedAt: 0, processes });
}

export function writeLedger(stateDir: string, processes: unknown[]): string {
  const path = join(stateDir, 'ledger.json');
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(path, ledgerText(processes));
  return path;
}

/**
 * A temp directory holding `state/` (the stateDir) and, beside it, `victim/` with a file in it
 * that looks like a spool segment: what a ledger must never reach.
 */
export function sandbox(): { base: string; stateDir: string; victim: string; victimFile: string; cleanup(): void } {
  const base = mkdtempSync(join(tmpdir(), 'procward-sandbox-'));
  const stateDir = join(base, 'state');
  const victim = join(base, 'victim');
  mkdirSync(stateDir);
  mkdirSync(victim);
  const victimFile = join(victim, '0000000000000000.out');
  writeFileSync(victimFile, 'secret\n');
  return { base, stateDir, victim, victimFile, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
