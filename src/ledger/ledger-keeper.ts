import { ProcwardError } from '../errors/procward-error.js';
import { nextTurn } from '../internal/next-turn.js';
import type { ManagedProcess } from '../process/managed-process.js';
import { readSpool, type SpoolReadResult } from '../spool/spool-reader.js';
import { SpoolWriter } from '../spool/spool-writer.js';
import { readProcEntry } from '../tree/proc-table.js';
import { LedgerFile } from './ledger-file.js';
import type { LedgerEntry } from './ledger-schema.js';
import { SpoolDirs } from './spool-dirs.js';

/**
 * Entries checked, settled or pruned per event-loop turn by recover(): a batch takes 2–12 ms on the
 * 2-core reference machine (a zod check per entry, and for an unfinished one a read of /proc), so
 * the host's timers and I/O wait no longer than that between turns, whatever the ledger's size.
 * (Reading and JSON.parse of the file stay one block: about 100 ms for 20 000 entries, 13 MB.)
 */
export const LOAD_BATCH = 500;

/**
 * Keeps a manager's ledger and output spools in its stateDir: an entry per process in the
 * registry (live and retained), written atomically whenever something changes, and each
 * non-persisted process's output appended to its spool as it arrives (persisted processes write
 * their spool themselves).
 *
 * Changes in one event-loop turn are written once. A persisted process's pid is written at once,
 * synchronously: it is the entry a later host needs to find it.
 */
export class LedgerKeeper {
  readonly stateDir: string;
  readonly #file: LedgerFile;
  readonly #dirs: SpoolDirs;
  readonly #managerId: string;
  readonly #spoolMaxBytes: number;
  readonly #retain: number;
  readonly #processes: () => Iterable<ManagedProcess>;
  readonly #onError: (error: ProcwardError | Error) => void;
  readonly #leaders = new Map<string, { pid: number; startTicks: number | undefined }>();
  readonly #spools = new Map<string, SpoolWriter>();
  /** Processes whose spool directory was found untrustworthy: their output stays in memory only. */
  readonly #unspooled = new Set<string>();
  /** Entries of earlier hosts the registry does not hold: not yet recovered, lost or exited. */
  #carried = new Map<string, LedgerEntry>();
  #loaded = false;
  #scheduled = false;
  /** holdWrites() in progress: changed() waits for its single write. */
  #holding = 0;
  /** Adopted processes whose ledger entry (same pid and start time) is already on disk. */
  readonly #onDisk = new Set<string>();

  constructor(
    stateDir: string,
    managerId: string,
    spoolMaxBytes: number,
    /** Ended entries of earlier hosts kept (with their spools), like retainExited for the registry. */
    retain: number,
    processes: () => Iterable<ManagedProcess>,
    onError: (error: ProcwardError | Error) => void,
  ) {
    this.#retain = retain;
    this.stateDir = stateDir;
    this.#file = new LedgerFile(stateDir);
    this.#dirs = new SpoolDirs(stateDir, onError);
    this.#managerId = managerId;
    this.#spoolMaxBytes = spoolMaxBytes;
    this.#processes = processes;
    this.#onError = onError;
  }

  get path(): string {
    return this.#file.path;
  }

  /**
   * Where a process's output is spooled: `<stateDir>/spool/<id>`. Only for ids of procward's own
   * format (the ledger refuses others): throws STATE_FAILED for anything else.
   */
  spoolDir(id: string): string {
    const dir = this.#dirs.of(id);
    if (!dir) throw new ProcwardError('STATE_FAILED', `"${id}" is not a procward process id: it names no spool directory in ${this.stateDir}.`);
    return dir;
  }

  /**
   * Where a process's spool goes, for its spawn options: undefined when no spool can be trusted
   * there (a symlinked `spool` directory, see untrustedDir). A persisted process then fails to
   * spawn; other processes run with their output in memory (keeper.output reports it).
   */
  spoolFor(id: string): { dir: string; maxBytes: number } | undefined {
    const dir = this.#dirs.trusted(id, false);
    return dir ? { dir, maxBytes: this.#spoolMaxBytes } : undefined;
  }

  get spoolMaxBytes(): number {
    return this.#spoolMaxBytes;
  }

  /**
   * The earlier host's ledger, read once. Until it is, a write would drop that host's entries, so
   * the first write reads it too (and, if it is corrupt, leaves it in place and writes nothing).
   */
  load(): LedgerEntry[] {
    const ledger = this.#file.read();
    this.#take(ledger?.processes ?? []);
    return [...this.#carried.values()];
  }

  /**
   * load() for recover(): the same result, with the entries checked LOAD_BATCH at a time, a turn
   * of the event loop between batches, so that a big ledger does not block the host. Throws
   * LEDGER_CORRUPT, having taken nothing, if any entry does not fit.
   */
  async loadInTurns(): Promise<LedgerEntry[]> {
    const raw = this.#file.readRaw();
    const checked: LedgerEntry[] = [];
    const list = raw?.processes ?? [];
    for (let i = 0; i < list.length; i++) {
      if (i > 0 && i % LOAD_BATCH === 0) await nextTurn();
      checked.push(this.#file.checkEntry(list[i], i));
    }
    // A write in the meantime (a spawn) read the ledger itself: the entries are taken once.
    if (!this.#loaded) this.#take(checked);
    return [...this.#carried.values()];
  }

  #take(entries: readonly LedgerEntry[]): void {
    this.#loaded = true;
    // This manager's own entries are rebuilt from its registry at every write.
    for (const e of entries) if (e.managerId !== this.#managerId && !this.#carried.has(e.id)) this.#carried.set(e.id, e);
  }

  /** Keeps an entry of an earlier host (lost or exited) for history() and later ledgers; prune() bounds them. */
  carry(entry: LedgerEntry): void {
    this.#carried.set(entry.id, entry);
  }

  /**
   * Forgets (with their spools) the oldest ended entries of earlier hosts beyond `retain`: they
   * would otherwise pile up with every restart. Once, after all are carried: sorting at every
   * carry made recover() quadratic (10 000 entries blocked the host for over a second). The spool
   * root is checked once for all of them (SpoolDirs.removable).
   */
  async prune(): Promise<void> {
    const ended: LedgerEntry[] = [];
    for (const e of this.#carried.values()) if (e.endedAt !== null) ended.push(e);
    if (ended.length <= this.#retain) return;
    // Stable: entries that ended at the same time go in ledger order.
    ended.sort((a, b) => a.endedAt! - b.endedAt!);
    const drop = ended.length - this.#retain;
    const removeSpools = this.#dirs.removable(drop);
    for (let i = 0; i < drop; i++) {
      if (i > 0 && i % LOAD_BATCH === 0) await nextTurn();
      const id = ended[i]!.id;
      this.#release(id);
      if (removeSpools) this.#dirs.remove(id, this.#dirs.of(id)!);
    }
    this.changed();
  }

  /**
   * Runs `job` (recover()) with scheduled writes held, then writes once: a job that yields between
   * batches would otherwise rewrite the whole ledger at every turn (quadratic again). Direct writes
   * of new persisted leaders still go out at once.
   */
  async holdWrites<T>(job: () => Promise<T>): Promise<T> {
    this.#holding++;
    try {
      return await job();
    } finally {
      this.#holding--;
      this.writeNow();
    }
  }

  /** An entry of an earlier host is being adopted: it leaves the carried entries, and its ledger entry is on disk already. */
  adopting(id: string): void {
    this.#carried.delete(id);
    this.#onDisk.add(id);
  }

  leader(p: ManagedProcess, pid: number, startTicks?: number): void {
    this.#leaders.set(p.id, { pid, startTicks: startTicks ?? readProcEntry(pid)?.startTicks });
    // A new persisted leader is written at once; an adopted one is in the ledger on disk already.
    if (p.persist && !this.#onDisk.delete(p.id)) this.writeNow();
    else this.changed();
  }

  output(p: ManagedProcess, data: Buffer): void {
    if (this.#unspooled.has(p.id)) return;
    try {
      let spool = this.#spools.get(p.id);
      if (!spool) {
        const dir = this.#dirs.trusted(p.id, true);
        if (!dir) {
          // Not written through a symlink to wherever it points; the output is still in memory.
          this.#unspooled.add(p.id);
          return;
        }
        spool = new SpoolWriter(dir, { maxBytes: this.#spoolMaxBytes });
        this.#spools.set(p.id, spool);
      }
      spool.append(data);
    } catch (err) {
      // A full disk must not take the host down; the output is still in memory.
      this.#spools.delete(p.id);
      this.#onError(err as Error);
    }
  }

  exited(p: ManagedProcess): void {
    this.#closeSpool(p.id);
    this.changed();
  }

  /** The process left the registry: its entry and its output go. */
  forget(id: string): void {
    this.#release(id);
    const dir = this.#dirs.trusted(id, true);
    if (dir) this.#dirs.remove(id, dir);
    this.changed();
  }

  #release(id: string): void {
    this.#closeSpool(id);
    this.#unspooled.delete(id);
    this.#leaders.delete(id);
    this.#carried.delete(id);
  }

  /** Called from exit and removal paths: a failing close (EIO) is reported, never thrown into them. */
  #closeSpool(id: string): void {
    const spool = this.#spools.get(id);
    this.#spools.delete(id);
    try {
      spool?.close();
    } catch (err) {
      this.#onError(err as Error);
    }
  }

  history(id: string, since?: number, limit?: number): SpoolReadResult | undefined {
    const dir = this.#dirs.trusted(id, false);
    if (!dir) return undefined;
    try {
      return readSpool(dir, { since, limit });
    } catch {
      return undefined;
    }
  }

  known(id: string): boolean {
    return this.#carried.has(id);
  }

  changed(): void {
    if (this.#scheduled || this.#holding > 0) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.writeNow();
    });
  }

  writeNow(): void {
    try {
      if (!this.#loaded) this.load();
      const entries: LedgerEntry[] = [...this.#carried.values()];
      for (const p of this.#processes()) entries.push(this.#entry(p));
      this.#file.write(this.#managerId, entries);
    } catch (err) {
      this.#onError(err as Error);
    }
  }

  #entry(p: ManagedProcess): LedgerEntry {
    const info = p.info;
    const leader = this.#leaders.get(p.id);
    return {
      id: p.id,
      managerId: this.#managerId,
      pid: leader?.pid,
      startTicks: leader?.startTicks,
      command: info.command,
      args: info.args,
      cwd: info.cwd,
      label: info.label,
      type: info.type,
      scope: info.scope,
      metadata: info.metadata,
      persist: info.persist,
      state: info.state,
      createdAt: info.createdAt,
      startedAt: info.startedAt,
      endedAt: info.endedAt,
      exit: info.exit ? { code: info.exit.code, signal: info.exit.signal, reason: info.exit.reason } : null,
      spoolDir: this.spoolDir(p.id),
      ...(info.pty?.tmux ? { tmux: info.pty.tmux } : {}),
    };
  }
}
