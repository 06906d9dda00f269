import { readdirSync } from 'node:fs';
import { HAS_PROC, readProcEntry, readProcTable, type ProcEntry } from './proc-table.js';
import { inWindow, lastPid, machineReadings, windowFrom, type MachineReadings, type PidWindow } from './pid-window.js';

/**
 * One view of the process table for every tree of this host process, so that N trees scanned in
 * the same round (a stopAll, N confirmations, N samples) cost one listing of /proc and one read of
 * each process, not N of each.
 *
 * A snapshot lives for one round of the event loop (until the next check phase, or MAX_AGE_MS).
 * It stays exact for what a tree scan needs, however long it is used in that round:
 * - a process created since it was listed has a pid after `before`; every use compares `before`
 *   with the last pid handed out (one small read) and reads what is new;
 * - what changes in a process that existed (state, parent, group) can only make a scan find more
 *   members, never fewer (see ProcessTree.collect), and the members found are read again.
 * It reads only the pids some tree's window needs (pids handed out since that tree's leader), and
 * never the leaders of other trees: an unreaped child of this process is its own session leader,
 * its parent is this process, its marker is its own tree's, so it is a member of no other tree.
 */

// A round that runs this long (a host busy in one turn) starts a new snapshot, to bound how stale
// the parent links and states of non-members get.
const MAX_AGE_MS = 50;

/** Pids as a cyclic sequence ending at the last one handed out: how far back from it a pid is. */
function distanceBack(pid: number, r: MachineReadings): number {
  return (((r.last - pid) % r.pidMax) + r.pidMax) % r.pidMax;
}

interface Index {
  children: Map<number, ProcEntry[]>;
  group: Map<number, ProcEntry[]>;
  session: Map<number, ProcEntry[]>;
  marked: Map<string, ProcEntry[]>;
}

function push<K>(m: Map<K, ProcEntry[]>, k: K, e: ProcEntry): void {
  const list = m.get(k);
  if (list) list.push(e);
  else m.set(k, [e]);
}

/** What one tree sees of a snapshot: only pids in its window. */
export interface TreeScope {
  /** The last pid handed out before the listing: nothing was created since while lastPid() says so. */
  readonly before: number;
  get(pid: number): ProcEntry | undefined;
  children(pid: number): readonly ProcEntry[];
  inGroup(pgid: number): readonly ProcEntry[];
  inSession(sid: number): readonly ProcEntry[];
  marked(treeId: string): readonly ProcEntry[];
}

const NONE: readonly ProcEntry[] = [];

class Snapshot {
  readonly takenAt = performance.now();
  readonly entries = new Map<number, ProcEntry>();
  before = -1;
  readings: MachineReadings | undefined;
  /** Pids listed by the last listing of /proc. */
  names: number[] = [];
  /** Read: every listed pid from here to readings.last; 'all': every listed pid; undefined: none yet. */
  coveredFrom: number | 'all' | undefined;
  #index: Index | undefined;

  constructor(
    private readonly skip: ReadonlySet<number>,
    private readonly markOf: (e: ProcEntry) => string | null,
  ) {
    this.#list();
  }

  /** Brings the snapshot up to date with processes created since it was listed; true if it listed /proc again. */
  refresh(now: number): boolean {
    if (now === this.before) return false;
    const since = this.before;
    const old = this.readings;
    this.#list();
    const r = this.readings;
    if (!old || !r || since < 0) {
      this.#readAll();
      return true;
    }
    // New pids lie after `since`; the ones up to the old `last` may have been missed by the old listing.
    const reach = distanceBack(since, r);
    for (const pid of this.names) if (distanceBack(pid, r) < reach) this.#read(pid);
    return true;
  }

  /** Makes sure every pid in `w` (every pid, when undefined) has been read. */
  cover(w: PidWindow | undefined): void {
    if (this.coveredFrom === 'all') return;
    const r = this.readings;
    if (!w || !r) return this.#readAll();
    const want = distanceBack(w.first, r);
    const have = this.coveredFrom === undefined ? -1 : distanceBack(this.coveredFrom, r);
    if (want <= have) return;
    for (const pid of this.names) {
      const d = distanceBack(pid, r);
      if (d <= want && d > have) this.#read(pid);
    }
    this.coveredFrom = w.first;
  }

  get index(): Index {
    if (this.#index) return this.#index;
    const ix: Index = { children: new Map(), group: new Map(), session: new Map(), marked: new Map() };
    for (const e of this.entries.values()) {
      push(ix.children, e.ppid, e);
      push(ix.group, e.pgid, e);
      push(ix.session, e.sid, e);
      if (e.ppid === 2 || e.pid <= 2 || e.pid === process.pid) continue; // kernel threads, this process
      const mark = this.markOf(e);
      if (mark !== null) push(ix.marked, mark, e);
    }
    return (this.#index = ix);
  }

  #list(): void {
    this.before = lastPid();
    this.names = [];
    for (const name of readdirSync('/proc')) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) this.names.push(Number(name));
    }
    this.readings = machineReadings();
  }

  #readAll(): void {
    for (const pid of this.names) this.#read(pid);
    this.coveredFrom = 'all';
  }

  #read(pid: number): void {
    if (this.skip.has(pid)) return;
    const e = readProcEntry(pid);
    if (e) this.entries.set(pid, e);
    else this.entries.delete(pid);
    this.#index = undefined;
  }
}

/**
 * The shared view: `scope()` hands a tree what it may see of the current snapshot. Trees of this
 * process's own children register their leaders (see the class comment for why they are skipped).
 */
export class TableView {
  readonly #leaders = new Set<number>();
  readonly #markOf: (e: ProcEntry) => string | null;
  #current: Snapshot | undefined;
  #listings = 0;

  constructor(markOf: (e: ProcEntry) => string | null) {
    this.#markOf = markOf;
  }

  /** How many times /proc was listed: what sharing saves shows here. */
  get listings(): number {
    return this.#listings;
  }

  /** `pid` is an unreaped child of this process leading its own session: no other tree needs it read. */
  addLeader(pid: number): void {
    this.#leaders.add(pid);
  }

  /** Its exit was reaped: the pid may name anyone from now on. */
  removeLeader(pid: number): void {
    this.#leaders.delete(pid);
  }

  /**
   * The snapshot as one tree sees it: pids handed out since `leaderPid` (all, when that cannot be
   * proven). `lastPidNow`: the caller's reading of lastPid(), taken just before.
   */
  scope(leaderPid: number, forksBefore: number, lastPidNow = lastPid()): TreeScope {
    if (!HAS_PROC) return fullScope(readProcTable());
    let snap = this.#current;
    if (!snap || performance.now() - snap.takenAt > MAX_AGE_MS) snap = this.#fresh();
    else if (snap.refresh(lastPidNow)) this.#listings++;
    const r = snap.readings;
    const w = r && forksBefore >= 0 ? windowFrom({ leaderPid, forksBefore, ...r }) : undefined;
    snap.cover(w);
    const ix = snap.index;
    const admit = (list: readonly ProcEntry[] | undefined) => (!list ? NONE : w ? list.filter((e) => inWindow(w, e.pid)) : list);
    const leaders = this.#leaders;
    return {
      before: snap.before,
      get: (pid) => {
        if (w && !inWindow(w, pid)) return undefined;
        // A registered leader is not in the snapshot: its own tree reads it.
        return snap.entries.get(pid) ?? (leaders.has(pid) ? readProcEntry(pid) : undefined);
      },
      children: (pid) => admit(ix.children.get(pid)),
      inGroup: (pgid) => admit(ix.group.get(pgid)),
      inSession: (sid) => admit(ix.session.get(sid)),
      marked: (treeId) => admit(ix.marked.get(treeId)),
    };
  }

  #fresh(): Snapshot {
    this.#listings++;
    const snap = new Snapshot(this.#leaders, this.#markOf);
    this.#current = snap;
    // The next round lists again; until then every tree shares this one.
    setImmediate(() => {
      if (this.#current === snap) this.#current = undefined;
    }).unref();
    return snap;
  }
}

/** A scope over a whole table read for one tree (no /proc: one `ps` run). */
function fullScope(table: Map<number, ProcEntry>): TreeScope {
  const by = (key: (e: ProcEntry) => number | string | null) => {
    const m = new Map<number | string, ProcEntry[]>();
    for (const e of table.values()) {
      const k = key(e);
      if (k !== null) push(m, k, e);
    }
    return m;
  };
  const children = by((e) => e.ppid);
  const group = by((e) => e.pgid);
  const session = by((e) => e.sid);
  return {
    before: -1,
    get: (pid) => table.get(pid),
    children: (pid) => children.get(pid) ?? NONE,
    inGroup: (pgid) => group.get(pgid) ?? NONE,
    inSession: (sid) => session.get(sid) ?? NONE,
    marked: () => NONE, // no environments to read without /proc
  };
}
