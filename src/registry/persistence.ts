import type { z } from 'zod';
import { NotFoundError, NotSupportedError, ProcwardError } from '../errors/procward-error.js';
import { handled } from '../internal/deferred.js';
import { adoptChild } from '../ledger/adopt.js';
import { LedgerKeeper } from '../ledger/ledger-keeper.js';
import type { LedgerEntry } from '../ledger/ledger-schema.js';
import { recoverLedger, type RecoveryReport } from '../ledger/recover.js';
import { HistoryQuerySchema, parseOptions } from '../options/schemas.js';
import type { ReadResult } from '../output/output-buffer.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ResolvedSpawnOptions } from '../process/process-config.js';
import type { ProcessControl } from '../process/process-control.js';

type SpoolDir = NonNullable<ResolvedSpawnOptions['spool']>;
import type { ResolvedManagerOptions } from './resolve-options.js';

/** What history() reads: a process id, from offset `since`, at most `limit` bytes. */
export type HistoryQuery = z.infer<typeof HistoryQuerySchema>;

/**
 * A manager's state in stateDir: the ledger keeper (what runs, written as it changes; the spools of
 * output), the one recovery from an earlier host's ledger, and reads of any process's history.
 */
export class Persistence {
  readonly keeper: LedgerKeeper;
  readonly #managerId: string;
  readonly #killTimeoutMs: number;
  #recovery: Promise<RecoveryReport> | undefined;

  constructor(o: ResolvedManagerOptions & { stateDir: string }, managerId: string, processes: () => Iterable<ManagedProcess>, onError: (err: ProcwardError) => void) {
    this.#managerId = managerId;
    this.#killTimeoutMs = o.killTimeoutMs;
    this.keeper = new LedgerKeeper(o.stateDir, managerId, o.spoolMaxBytes, o.retainExited, processes, (err) =>
      onError(
        err instanceof ProcwardError
          ? err
          : new ProcwardError('STATE_FAILED', `Writing the state in ${o.stateDir} failed: ${(err as Error).message}; processes run on, but a later recover() may not find them.`, { cause: err }),
      ),
    );
  }

  static unsupported(): NotSupportedError {
    return new NotSupportedError('recover() needs the manager option stateDir: the ledger to recover from lives there.');
  }

  static parseQuery(query: HistoryQuery): HistoryQuery {
    return parseOptions(HistoryQuerySchema, query, 'history query');
  }

  /**
   * See ProcessManager.recover(). `register` puts a live persisted process of an earlier host into
   * the registry (with its spool, undefined if that cannot be trusted: its output is then taken as
   * none written); it is taken over from there. Runs once.
   */
  recover(register: (entry: LedgerEntry, spool: SpoolDir | undefined) => { process: ManagedProcess; control: ProcessControl }): Promise<RecoveryReport> {
    const keeper = this.keeper;
    const adopt = (entry: LedgerEntry) => {
      const spool = keeper.spoolFor(entry.id);
      const { process: p, control } = register(entry, spool);
      control.adopt(entry.startedAt, (slot) => adoptChild(slot, p.output, { pid: entry.pid!, startTicks: entry.startTicks!, spoolDir: spool?.dir, tmux: entry.tmux }));
      return p;
    };
    this.#recovery ??= handled(keeper.holdWrites(() => recoverLedger(keeper, this.#managerId, this.#killTimeoutMs, adopt)));
    return this.#recovery;
  }

  /** The spooled output of a process, if it has a spool that can be read. */
  history(q: HistoryQuery): ReadResult | undefined {
    const r = this.keeper.history(q.id, q.since, q.limit);
    return r && { data: r.data, from: r.from, to: r.to, dropped: r.dropped };
  }
}

/**
 * See ProcessManager.history(): the spool when there is one, else what the registry's buffer holds,
 * else nothing for a process of an earlier host the ledger still knows; NOT_FOUND otherwise.
 */
export function readHistory(query: HistoryQuery, persistence: Persistence | undefined, get: (id: string) => ManagedProcess | undefined): ReadResult {
  const q = Persistence.parseQuery(query);
  const fromSpool = persistence?.history(q);
  if (fromSpool) return fromSpool;
  const p = get(q.id);
  if (p) return p.output.read({ since: q.since, limit: q.limit });
  if (persistence?.keeper.known(q.id)) return { data: Buffer.alloc(0), from: q.since ?? 0, to: q.since ?? 0, dropped: 0 };
  throw new NotFoundError(q.id);
}
