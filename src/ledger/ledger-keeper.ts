import { rmSync } from 'node:fs';
import { ProcwardError } from '../errors/procward-error.js';
import { pathInside, untrustedDir } from '../state-dir/inside.js';
import { isProcwardId } from '../state-dir/process-id.js';
import type { ManagedProcess } from '../process/managed-process.js';
import { readSpool, type SpoolReadResult } from '../spool/spool-reader.js';
import { SpoolWriter } from '../spool/spool-writer.js';
import { readProcEntry } from '../tree/proc-table.js';
import { LedgerFile } from './ledger-file.js';
import type { LedgerEntry } from './ledger-schema.js';

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
    const dir = this.#spoolDirOf(id);
    if (!dir) throw new ProcwardError('STATE_FAILED', `"${id}" is not a procward process id: it names no spool directory in ${this.stateDir}.`);
    return dir;
  }

  /**
   * The spool directory of a procward id, undefined for any other string: an id such as
   * `../../x` or `..` would otherwise name a directory outside stateDir (or stateDir itself),
   * and forget() deletes it recursively.
   */
  #spoolDirOf(id: string): string | undefined {
    return isProcwardId(id) ? pathInside(this.stateDir, 'spool', id) : undefined;
  }

  /**
   * Where a process's spool goes, for its spawn options: undefined when no spool can be trusted
   * there (a symlinked `spool` directory, see untrustedDir). A persisted process then fails to
   * spawn; other processes run with their output in memory (keeper.output reports it).
   */
  spoolFor(id: string): { dir: string; maxBytes: number } | undefined {
    const dir = this.#trustedSpoolDir(id, false);
    return dir ? { dir, maxBytes: this.#spoolMaxBytes } : undefined;
  }

  /** The spool directory of `id` if it can be read, written or deleted safely; else reports why (when `report`) and gives undefined. */
  #trustedSpoolDir(id: string, report: boolean): string | undefined {
    const dir = this.#spoolDirOf(id);
    if (!dir) return undefined;
    const problem = untrustedDir(this.stateDir, dir);
    if (!problem) return dir;
    if (report) this.#onError(new ProcwardError('STATE_FAILED', `The spool of ${id} is left alone: ${problem} (procward makes only plain directories there).`, { processId: id }));
    return undefined;
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
    this.#loaded = true;
    // This manager's own entries are rebuilt from its registry at every write.
    for (const e of ledger?.processes ?? []) if (e.managerId !== this.#managerId && !this.#carried.has(e.id)) this.#carried.set(e.id, e);
    return [...this.#carried.values()];
  }

  /** Keeps an entry of an earlier host (lost or exited) for history() and later ledgers. */
  carry(entry: LedgerEntry): void {
    this.#carried.set(entry.id, entry);
    // Ended entries of earlier hosts would otherwise pile up with every restart.
    const ended = [...this.#carried.values()].filter((e) => e.endedAt !== null).sort((a, b) => a.endedAt! - b.endedAt!);
    for (const old of ended.slice(0, Math.max(0, ended.length - this.#retain))) this.forget(old.id);
  }

  drop(id: string): void {
    this.#carried.delete(id);
  }

  leader(p: ManagedProcess, pid: number, startTicks?: number): void {
    this.#leaders.set(p.id, { pid, startTicks: startTicks ?? readProcEntry(pid)?.startTicks });
    if (p.persist) this.writeNow();
    else this.changed();
  }

  output(p: ManagedProcess, data: Buffer): void {
    if (this.#unspooled.has(p.id)) return;
    try {
      let spool = this.#spools.get(p.id);
      if (!spool) {
        const dir = this.#trustedSpoolDir(p.id, true);
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
    this.#closeSpool(id);
    this.#unspooled.delete(id);
    this.#leaders.delete(id);
    this.#carried.delete(id);
    const dir = this.#trustedSpoolDir(id, true);
    if (dir) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch (err) {
        this.#onError(new ProcwardError('STATE_FAILED', `Removing the spool of ${id} (${dir}) failed: ${(err as Error).message}`, { cause: err, processId: id }));
      }
    }
    this.changed();
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
    const dir = this.#trustedSpoolDir(id, false);
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
    if (this.#scheduled) return;
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
