import { readdirSync } from 'node:fs';
import { HAS_PROC, isProcessId, readProcEntry, readProcTable, type ProcEntry } from './proc-table.js';
import { inWindow, lastPid, machineReadings, windowFrom, type MachineReadings, type PidWindow } from './pid-window.js';

/**
 * One view of the process table for every tree of this host process, so that N trees scanned
 * together (a stopAll, N confirmations, N samples) cost one listing of /proc and one read of each
 * process, not N of each; and a scan when nothing was created since the last one costs no listing.
 *
 * The snapshot is kept and brought up to date on each use; it stays exact for what a tree scan needs:
 * - a process created since it was listed has a pid after `before`; every use compares `before`
 *   with the last pid handed out (one small read) and, when it moved, lists /proc again and reads
 *   only the new pids (and forgets the pids no longer listed);
 * - what changes in a process that existed (state, parent, group, session) can only make a scan
 *   find more members, never fewer: a process can leave a session, never join another tree's, and
 *   a child keeps the parent link it had (it was that parent's descendant). The members found are
 *   read again (see ProcessTree.collect), so they are reported as they are now.
 * It reads only the pids some tree's window needs (pids handed out since that tree's leader), and
 * never the leaders of other trees: an unreaped child of this process is its own session leader,
 * its parent is this process, its marker is its own tree's, so it is a member of no other tree.
 * When so many pids were handed out since the listing that allocation may have gone round pid_max,
 * a pid may name someone new without being "after `before`": then everything is read again.
 */

const RESERVED_PIDS = 300; // as in pid-window: allocation never goes round below this
// Up to this many new pids are read one by one; more, and /proc is listed again.
const MAX_READ_NEW = 32;
// Pids read one by one between listings, at most: a listing forgets the processes that are gone.
const MAX_UNLISTED = 512;

/** Pids as a cyclic sequence ending at the last one handed out: how far back from it a pid is. */
function distanceBack(pid: number, r: MachineReadings): number {
  return (((r.last - pid) % r.pidMax) + r.pidMax) % r.pidMax;
}

type Bucket<K> = Map<K, Map<number, ProcEntry>>;

/** The tree marker of a process: null when it has none (or its environment cannot be read), undefined when its environment reads empty. */
export type MarkOf = (e: ProcEntry) => string | null | undefined;

// A pid handed out but not yet in /proc (a fork between taking the pid and showing the process,
// which can be preempted on a loaded machine) is looked for again for this long; an environment
// that read empty, asked again for as long.
const PENDING_MS = 1000;
// The listing itself can race a fork the same way: this many pids before `before` that it did
// not show are looked for again too.
const LISTING_TAIL = 16;

/** Entries by parent, group, session and tree marker, kept up to date entry by entry. */
class Index {
  readonly children: Bucket<number> = new Map();
  readonly group: Bucket<number> = new Map();
  readonly session: Bucket<number> = new Map();
  readonly marked: Bucket<string> = new Map();
  readonly #marks = new Map<number, string>();
  /**
   * Entries whose environment read empty (mid-exec, say), with when that was first seen: asked
   * again on each use, for PENDING_MS (a process started with no environment has no marker).
   */
  readonly #unknown = new Map<number, { e: ProcEntry; since: number }>();

  constructor(private readonly markOf: MarkOf) {}

  add(e: ProcEntry): void {
    put(this.children, e.ppid, e);
    put(this.group, e.pgid, e);
    put(this.session, e.sid, e);
    if (e.ppid === 2 || e.pid <= 2 || e.pid === process.pid) return; // kernel threads, this process
    this.#mark(e);
  }

  /** Asks again for the marks that could not be read (a few at most: reads that raced an exec). */
  settleMarks(): void {
    if (this.#unknown.size === 0) return;
    const now = performance.now();
    for (const [pid, { e, since }] of this.#unknown) {
      if (now - since > PENDING_MS) this.#unknown.delete(pid);
      else this.#mark(e);
    }
  }

  #mark(e: ProcEntry): void {
    const mark = this.markOf(e);
    if (mark === undefined) {
      if (!this.#unknown.has(e.pid)) this.#unknown.set(e.pid, { e, since: performance.now() });
      return;
    }
    this.#unknown.delete(e.pid);
    if (mark === null) return;
    put(this.marked, mark, e);
    this.#marks.set(e.pid, mark);
  }

  remove(e: ProcEntry): void {
    this.children.get(e.ppid)?.delete(e.pid);
    this.group.get(e.pgid)?.delete(e.pid);
    this.session.get(e.sid)?.delete(e.pid);
    this.#unknown.delete(e.pid);
    const mark = this.#marks.get(e.pid);
    if (mark === undefined) return;
    this.marked.get(mark)?.delete(e.pid);
    this.#marks.delete(e.pid);
  }
}

function put<K>(m: Bucket<K>, k: K, e: ProcEntry): void {
  const bucket = m.get(k);
  if (bucket) bucket.set(e.pid, e);
  else m.set(k, new Map([[e.pid, e]]));
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
  readonly entries = new Map<number, ProcEntry>();
  before = -1;
  readings: MachineReadings | undefined;
  /** Pids listed by the last listing of /proc. */
  names: number[] = [];
  /** Read: every listed pid from here to readings.last; 'all': every listed pid; undefined: none yet. */
  coveredFrom: number | 'all' | undefined;
  readonly index: Index;
  /** Pids read one by one since the last listing. */
  #unlisted = 0;
  /** Pids handed out that /proc did not show, with when they were first missed and are next looked for. */
  readonly #pending = new Map<number, { since: number; next: number }>();
  #pendingChecked = 0;

  constructor(
    private readonly skip: ReadonlySet<number>,
    markOf: MarkOf,
  ) {
    this.index = new Index(markOf);
    this.#list();
  }

  /**
   * Brings the snapshot up to date with processes created since it was listed: 'same' (nothing
   * was), 'listed' (listed again, new pids read), 'stale' (pids may have been reused: start over).
   */
  refresh(now: number): 'same' | 'read' | 'listed' | 'stale' {
    if (this.#pending.size > 0) this.#readPending();
    if (now === this.before) return 'same';
    const since = this.before;
    const old = this.readings;
    if (old && since >= 0 && this.#readNew(since, old)) return 'read';
    this.#list();
    const r = this.readings;
    if (!old || !r || since < 0 || r.forksNow - old.forksNow + r.tasks + RESERVED_PIDS >= r.pidMax) return 'stale';
    const listed = new Set(this.names);
    for (const pid of this.entries.keys()) if (!listed.has(pid)) this.#set(pid, undefined);
    // New pids lie after `since`; the ones up to the old `last` may have been missed by the old listing.
    const reach = distanceBack(since, r);
    for (const pid of this.names) if (distanceBack(pid, r) < reach) this.#read(pid);
    return 'listed';
  }

  /**
   * A few pids were handed out since `since`: reads each of them rather than listing /proc (a
   * listing costs ~0.3 ms with 600 processes, a read of a pid that is gone ~5 µs). False when they
   * are too many, or too many reads were made without a listing (entries of processes that are
   * gone are dropped by listings).
   */
  #readNew(since: number, old: MachineReadings): boolean {
    // Read before the pids: every pid up to r.last is read below, so it is the new `before`.
    const r = machineReadings();
    if (!r || r.forksNow - old.forksNow + r.tasks + RESERVED_PIDS >= r.pidMax) return false;
    const count = (((r.last - since) % r.pidMax) + r.pidMax) % r.pidMax;
    if (count > MAX_READ_NEW || this.#unlisted + count > MAX_UNLISTED) return false;
    this.#unlisted += count;
    this.before = r.last;
    this.readings = r;
    for (let i = 1; i <= count; i++) {
      const pid = (since + i) % r.pidMax;
      if (this.skip.has(pid)) continue;
      const e = readProcEntry(pid);
      // /proc answers for a thread's id too; only processes are listed, and only they are wanted.
      if (e && isProcessId(e)) this.#found(pid, e);
      else {
        this.#set(pid, undefined);
        if (!e) this.#missed(pid, performance.now());
      }
    }
    return true;
  }

  #found(pid: number, e: ProcEntry): void {
    this.#set(pid, e);
    if (!this.names.includes(pid)) this.names.push(pid);
  }

  /** Looks again for pids that were handed out but not yet shown; forgets those missing too long. */
  #readPending(): void {
    // Most misses are processes that already ended (a burst of short commands): each is looked
    // for again at 1, 4, 16, 64, 256 ms after it was missed, then forgotten, and the list is gone
    // through at most once a millisecond however many trees use the view in that time.
    const now = performance.now();
    if (now - this.#pendingChecked < 1) return;
    this.#pendingChecked = now;
    for (const [pid, p] of this.#pending) {
      if (now < p.next) continue;
      const e = this.skip.has(pid) ? undefined : readProcEntry(pid);
      if (e) {
        this.#pending.delete(pid);
        if (isProcessId(e)) this.#found(pid, e);
      } else if (now - p.since > PENDING_MS) this.#pending.delete(pid);
      else p.next = p.since + (p.next - p.since) * 4;
    }
  }

  #missed(pid: number, now: number): void {
    if (!this.#pending.has(pid)) this.#pending.set(pid, { since: now, next: now + 1 });
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

  #list(): void {
    this.#unlisted = 0;
    this.before = lastPid();
    this.names = [];
    for (const name of readdirSync('/proc')) {
      const c = name.charCodeAt(0);
      if (c >= 48 && c <= 57) this.names.push(Number(name));
    }
    this.readings = machineReadings();
    const r = this.readings;
    if (!r || this.before < 0) return;
    const tail = distanceBack(this.before, r) + LISTING_TAIL;
    const listed = new Set(this.names.filter((pid) => distanceBack(pid, r) < tail));
    const now = performance.now();
    for (let i = 0; i < LISTING_TAIL; i++) {
      const pid = (((this.before - i) % r.pidMax) + r.pidMax) % r.pidMax;
      if (pid > 0 && !listed.has(pid) && !this.skip.has(pid)) this.#missed(pid, now);
    }
  }

  /** Reads one pid again, if a listing had it (a leader no longer skipped). */
  reread(pid: number): void {
    if (this.names.includes(pid)) this.#read(pid);
  }

  #readAll(): void {
    for (const pid of this.names) this.#read(pid);
    this.coveredFrom = 'all';
  }

  #read(pid: number): void {
    if (!this.skip.has(pid)) this.#set(pid, readProcEntry(pid));
  }

  #set(pid: number, e: ProcEntry | undefined): void {
    const old = this.entries.get(pid);
    if (old) this.index.remove(old);
    if (!e) {
      this.entries.delete(pid);
      return;
    }
    this.entries.set(pid, e);
    this.index.add(e);
  }
}

/**
 * The shared view: `scope()` hands a tree what it may see of the current snapshot. Trees of this
 * process's own children register their leaders (see the class comment for why they are skipped).
 */
export class TableView {
  readonly #leaders = new Set<number>();
  readonly #markOf: MarkOf;
  #current: Snapshot | undefined;
  #listings = 0;

  constructor(markOf: MarkOf) {
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

  /** Its exit was reaped: the pid may name anyone from now on (read, should it still be listed). */
  removeLeader(pid: number): void {
    if (this.#leaders.delete(pid)) this.#current?.reread(pid);
  }

  /**
   * The snapshot as one tree sees it: pids handed out since `leaderPid` (all, when that cannot be
   * proven). `lastPidNow`: the caller's reading of lastPid(), taken just before.
   */
  scope(leaderPid: number, forksBefore: number, lastPidNow = lastPid()): TreeScope {
    if (!HAS_PROC) return fullScope(readProcTable());
    let snap = this.#current;
    const state = snap ? snap.refresh(lastPidNow) : 'stale';
    if (state === 'listed') this.#listings++;
    if (!snap || state === 'stale') snap = this.#fresh();
    const r = snap.readings;
    const w = r && forksBefore >= 0 ? windowFrom({ leaderPid, forksBefore, ...r }) : undefined;
    snap.cover(w);
    const ix = snap.index;
    ix.settleMarks();
    const admit = (bucket: Map<number, ProcEntry> | undefined): readonly ProcEntry[] => {
      if (!bucket || bucket.size === 0) return NONE;
      const out: ProcEntry[] = [];
      for (const e of bucket.values()) if (!w || inWindow(w, e.pid)) out.push(e);
      return out;
    };
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
    return (this.#current = new Snapshot(this.#leaders, this.#markOf));
  }
}

/** A scope over a whole table read for one tree (no /proc: one `ps` run, no environments to read). */
function fullScope(table: Map<number, ProcEntry>): TreeScope {
  const ix = new Index(() => null);
  for (const e of table.values()) ix.add(e);
  const all = (bucket: Map<number, ProcEntry> | undefined): readonly ProcEntry[] => (bucket ? [...bucket.values()] : NONE);
  return {
    before: -1,
    get: (pid) => table.get(pid),
    children: (pid) => all(ix.children.get(pid)),
    inGroup: (pgid) => all(ix.group.get(pgid)),
    inSession: (sid) => all(ix.session.get(sid)),
    marked: () => NONE,
  };
}
