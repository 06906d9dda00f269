import type { ManagedProcess } from '../process/managed-process.js';
import { isTerminal } from '../state-machine/states.js';
import { isDeadState, readProcEntry, readProcTable } from '../tree/proc-table.js';
import { carriesTreeMarkers, killAndWait, markedByAny, ProcessTree } from '../tree/process-tree.js';
import { nextTurn } from '../internal/next-turn.js';
import type { LedgerEntry } from './ledger-schema.js';
import { LOAD_BATCH, type LedgerKeeper } from './ledger-keeper.js';

/** A process of an earlier host that is not running any more, or never ran. */
export interface LostProcess {
  entry: LedgerEntry;
  /**
   * `gone`: it ended while no host watched; `pid-reused`: its pid names another process now (left
   * alone); `never-started`: it was still queued; `unverified`: a process with its pid and start
   * time lives, but does not carry the markers procward gave it (PROCWARD_TREE and
   * PROCWARD_MANAGER in its environment): not provably the one the ledger names (a forged entry,
   * or a leader that replaced its environment), so it is neither killed nor taken over.
   */
  why: 'gone' | 'pid-reused' | 'never-started' | 'unverified';
}

export interface RecoveryReport {
  /** Persisted processes still running, now in this registry under their ids. */
  adopted: ManagedProcess[];
  /** Processes that were alive although they should have died with their host: killed with their trees. */
  killed: LedgerEntry[];
  lost: LostProcess[];
  /** Processes that had already ended when their host went (their history() is still there). */
  exited: LedgerEntry[];
  /** Other leftovers of earlier managers found by their marker (not in the ledger): killed. */
  swept: number[];
}

/**
 * See ProcessManager.recover(). Linear in the entries, and never long in one turn of the event
 * loop: LOAD_BATCH entries are settled per turn (each one a read of /proc/<pid>/stat and, for the
 * live ones, of its environment), and the ledger's pruning comes once, at the end.
 */
export async function recoverLedger(keeper: LedgerKeeper, managerId: string, killTimeoutMs: number, adopt: (entry: LedgerEntry) => ManagedProcess): Promise<RecoveryReport> {
  // Entries of earlier hosts only (the keeper leaves out this manager's own); throws
  // LEDGER_CORRUPT before anything is touched.
  const entries = await keeper.loadInTurns();
  const report: RecoveryReport = { adopted: [], killed: [], lost: [], exited: [], swept: [] };
  const toKill: ProcessTree[] = [];
  const earlierManagers = new Set<string>();
  const now = Date.now();
  for (let i = 0; i < entries.length; i++) {
    if (i > 0 && i % LOAD_BATCH === 0) await nextTurn();
    const entry = entries[i]!;
    if (entry.managerId !== managerId) earlierManagers.add(entry.managerId);
    if (isTerminal(entry.state)) {
      report.exited.push(entry);
      keeper.carry(entry);
      continue;
    }
    const proc = entry.pid === undefined ? undefined : readProcEntry(entry.pid);
    const alive = proc !== undefined && !isDeadState(proc.state);
    const same = alive && entry.startTicks !== undefined && proc.startTicks === entry.startTicks;
    // Before anything is killed or adopted: the pid is ours only if it carries our markers.
    const verified = same && carriesTreeMarkers(entry.pid!, entry.id, entry.managerId);
    if (!verified) {
      const why = entry.pid === undefined ? 'never-started' : same ? 'unverified' : alive ? 'pid-reused' : 'gone';
      report.lost.push({ entry, why });
      keeper.carry({ ...entry, state: 'failed', endedAt: now, exit: { code: null, signal: null, reason: 'lost' } });
      continue;
    }
    if (entry.persist) {
      keeper.adopting(entry.id);
      report.adopted.push(adopt(entry));
      continue;
    }
    toKill.push(new ProcessTree(entry.pid!, entry.id, 0));
    report.killed.push(entry);
    keeper.carry({ ...entry, state: 'stopped', endedAt: now, exit: { code: null, signal: 'SIGKILL', reason: 'recover' } });
  }
  await keeper.prune();
  const members = toKill.flatMap((t) => t.collect());
  const seen = new Set(members.map((m) => m.pid));
  // Descendants that left their trees still carry their manager's marker; persisted ones are
  // spared. One pass over the process table for all earlier managers, each environment read once.
  for (const e of markedByAny(earlierManagers, readProcTable())) {
    if (seen.has(e.pid)) continue;
    seen.add(e.pid);
    members.push(e);
    report.swept.push(e.pid);
  }
  await killAndWait(members, killTimeoutMs);
  return report;
}
