import { existsSync, readdirSync, readFileSync } from 'node:fs';
import treeKill from 'tree-kill';
import { environEntry, environHas, environHasAll, environValue, HAS_PROC, isDeadState, readProcEntry, readProcTable, userProcesses, withEnvMarker, type ProcEntry } from './proc-table.js';
import { nothingForkedSince, ownSpawnSeq, recordOwnSpawn } from './own-spawns.js';
import { lastPid } from './pid-window.js';
import { TableView } from './table-view.js';

/** Environment variable every child gets; its value names the tree, so members that left it can still be found. */
export const TREE_ENV = 'PROCWARD_TREE';

// Linux lists each thread's children in /proc/<pid>/task/<tid>/children (CONFIG_PROC_CHILDREN,
// on in every mainstream kernel); checked once on our own process.
const CHILDREN_FILES = HAS_PROC && existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'latin1').split(' ')) if (c) out.push(Number(c));
    } catch {
      /* the thread ended meanwhile */
    }
  }
  return out;
}
// The tree a process is marked with, by pid:startTicks:comm (the comm changes with an exec, which
// may replace the environment). Every collect() looks for marked processes among all the pids in
// its window; without this, N trees stopped together read each other's environments N times over.
// An environment that reads empty (the process is mid-exec) is not an answer: it is not kept, and
// the table view asks again (a node that execs node keeps its comm).
const treeMarks = new Map<string, string | null>();
const MAX_TREE_MARKS = 16_384;

function treeMarkOf(e: ProcEntry): string | null | undefined {
  if (isDeadState(e.state)) return null; // a zombie has no environment, and is no member
  const key = `${e.pid}:${e.startTicks}:${e.comm}`;
  let mark = treeMarks.get(key);
  if (mark === undefined) {
    mark = environEntry(e.pid, TREE_ENV);
    if (mark === undefined) return undefined;
    if (treeMarks.size >= MAX_TREE_MARKS) treeMarks.clear();
    treeMarks.set(key, mark);
  }
  return mark;
}

/** Environment variable naming the manager that spawned the tree: its shutdown sweeps what is left. */
export const MANAGER_ENV = 'PROCWARD_MANAGER';

/** `=1` in the environment of a process the host asked to keep (`persist: true`): no sweep or watchdog kills it. */
export const PERSIST_ENV = 'PROCWARD_PERSIST';
const PERSISTED = Buffer.from(`${PERSIST_ENV}=1\0`);

/**
 * Whether `pid` carries the markers procward gives the leader of process `treeId` of manager
 * `managerId` (PROCWARD_TREE and PROCWARD_MANAGER in its environment). A pid and a start time
 * alone prove nothing: anyone can read any process's start time from /proc and write it into a
 * ledger. A process that replaced its own environment (exec with `env -i`) no longer carries them.
 */
export function carriesTreeMarkers(pid: number, treeId: string, managerId: string): boolean {
  return environHasAll(pid, [Buffer.from(`${TREE_ENV}=${treeId}\0`), Buffer.from(`${MANAGER_ENV}=${managerId}\0`)]);
}

/** Live processes carrying a manager's marker, persisted ones left out. */
export function markedBy(managerId: string, notBeforeTicks: number, table: Map<number, ProcEntry> = readProcTable()): ProcEntry[] {
  return withEnvMarker(table, Buffer.from(`${MANAGER_ENV}=${managerId}\0`), notBeforeTicks).filter((e) => !environHas(e.pid, PERSISTED));
}

/**
 * Live processes carrying the marker of any of `managerIds`, persisted ones left out: one pass over
 * `table`, each environment read once, however many managers (a ledger of many earlier hosts).
 */
export function markedByAny(managerIds: ReadonlySet<string>, table: Map<number, ProcEntry>): ProcEntry[] {
  if (managerIds.size === 0) return [];
  const found: ProcEntry[] = [];
  for (const e of userProcesses(table)) {
    const manager = environValue(e.pid, MANAGER_ENV);
    if (manager !== undefined && managerIds.has(manager) && !environHas(e.pid, PERSISTED)) found.push(e);
  }
  return found;
}

/**
 * SIGKILLs `members` and resolves once they are gone (or `timeoutMs` passed), so that a caller's
 * "done" means "nothing left". A member is recognised by pid and start time: a reused pid is not waited on.
 */
export async function killAndWait(members: ProcEntry[], timeoutMs: number): Promise<void> {
  for (const e of members) {
    try {
      process.kill(e.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  const deadline = performance.now() + timeoutMs;
  let left = members;
  while (left.length > 0 && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
    left = left.filter((e) => {
      const now = readProcEntry(e.pid);
      return now !== undefined && now.startTicks === e.startTicks && !isDeadState(now.state);
    });
  }
}

/**
 * Kills every live process carrying a manager's marker: the last sweep of a shutdown, for
 * descendants that left their session, group, pipes and parents (double-forked daemons).
 */
export async function sweepManager(managerId: string, notBeforeTicks: number, timeoutMs: number): Promise<number[]> {
  const found = markedBy(managerId, notBeforeTicks);
  await killAndWait(found, timeoutMs);
  return found.map((e) => e.pid);
}

// Every tree of this process reads the same view of the process table.
const sharedTable = new TableView(treeMarkOf);

/** How many times the trees of this process listed /proc (for tests and benches: sharing shows here). */
export function tableListings(): number {
  return sharedTable.listings;
}

/**
 * Everything needed to find the members of one spawned process's tree, alive or orphaned.
 *
 * The leader leads its own session and process group (spawned with setsid), so members are:
 * 1. the leader, while it is not reaped;
 * 2. anything in its process group or session: background jobs, even once reparented to init;
 * 3. descendants of those by parent links: children that called setsid are found while their parent lives;
 * 4. processes carrying the tree's environment marker: what left both the session and its parent
 *    (a double-forked daemon) is still recognised;
 * 5. members seen by an earlier scan, recognised by pid and start time so a reused pid is not.
 */
export class ProcessTree {
  readonly leaderPid: number;
  readonly #treeId: string;
  readonly #forksBefore: number;
  readonly #known = new Map<number, number>(); // pid → start ticks
  #leaderReaped = false;
  #lastPidAtCollect = -1;
  /** Own spawns recorded after this number came after the leader (see own-spawns). */
  readonly #spawnSeq: number;

  readonly #ownChild: boolean;

  /**
   * `forksBefore`: a count of forks since boot taken before the leader was spawned (see pid-window).
   * `ownChild`: the leader is a child of this process, leading its own session, reaped (and
   * reported with leaderReaped()) by this process; then other trees' scans need not read it.
   */
  constructor(leaderPid: number, treeId: string, forksBefore: number, options: { ownChild?: boolean } = {}) {
    this.leaderPid = leaderPid;
    this.#treeId = treeId;
    this.#forksBefore = forksBefore;
    this.#ownChild = options.ownChild ?? false;
    this.#spawnSeq = this.#ownChild ? recordOwnSpawn(leaderPid) : ownSpawnSeq();
    if (this.#ownChild) sharedTable.addLeader(leaderPid);
  }

  /** Called when the leader has been reaped: its pid no longer names it. */
  leaderReaped(): void {
    if (this.#leaderReaped) return;
    this.#leaderReaped = true;
    this.#known.delete(this.leaderPid);
    if (this.#ownChild) sharedTable.removeLeader(this.leaderPid);
  }

  get isLeaderReaped(): boolean {
    return this.#leaderReaped;
  }

  /**
   * Live members now, leader included while not reaped. Updates the set of known members. Reads
   * the shared view of the process table: trees scanned while nothing is created share one listing.
   */
  collect(): ProcEntry[] {
    const leader = this.leaderPid;
    // If every pid handed out since the leader's own went to this host's later spawns, the tree
    // is the leader: no listing needed.
    const quiet = HAS_PROC && this.#forkedNothing();
    if (quiet !== false) {
      this.#lastPidAtCollect = quiet;
      return this.#keepLive(this.#leaderReaped ? [] : [readProcEntry(leader)]);
    }
    const scope = sharedTable.scope(leader, this.#forksBefore);
    this.#lastPidAtCollect = scope.before;
    const members = new Map<number, ProcEntry>();
    const add = (e: ProcEntry | undefined) => {
      if (e && e.pid !== process.pid) members.set(e.pid, e);
    };
    // Our own child's leader is read now (the view skips it); the rest is read again below.
    const leaderNow = !this.#leaderReaped && this.#ownChild ? readProcEntry(leader) : undefined;
    if (!this.#leaderReaped) add(leaderNow ?? scope.get(leader));
    for (const e of scope.inGroup(leader)) add(e);
    for (const e of scope.inSession(leader)) add(e);
    for (const [pid, ticks] of this.#known) {
      const e = scope.get(pid);
      if (e && e.startTicks === ticks) add(e);
    }
    for (const e of scope.marked(this.#treeId)) add(e);
    // Close over parent links.
    const queue = [...members.values()];
    while (queue.length > 0) {
      for (const c of scope.children(queue.pop()!.pid)) {
        if (members.has(c.pid) || c.pid === process.pid) continue;
        members.set(c.pid, c);
        queue.push(c);
      }
    }
    // The snapshot may be older than this call (by a round at most): what it says of a member's
    // state is read again, so a member that died since is not reported live.
    if (!HAS_PROC) return this.#keepLive([...members.values()]);
    const fresh: (ProcEntry | undefined)[] = [];
    for (const e of members.values()) {
      const now = e === leaderNow ? e : readProcEntry(e.pid);
      fresh.push(now && now.startTicks === e.startTicks ? now : undefined);
    }
    return this.#keepLive(fresh);
  }

  #keepLive(found: readonly (ProcEntry | undefined)[]): ProcEntry[] {
    const live: ProcEntry[] = [];
    for (const e of found) {
      if (!e || isDeadState(e.state)) continue;
      live.push(e);
      this.#known.set(e.pid, e.startTicks);
    }
    return live;
  }

  /**
   * Live members found by following children links (/proc/<pid>/task/<tid>/children) from the
   * leader and from every member seen before: a few small reads per member, no listing of /proc.
   * Cheap enough to run on every metrics sample; it misses only a process that left the tree
   * (reparented away) before any scan saw it, which collect() finds. Falls back to collect() where
   * the kernel has no children files.
   */
  walk(): ProcEntry[] {
    if (!HAS_PROC || !CHILDREN_FILES) return this.collect();
    const found = new Map<number, ProcEntry>();
    const queue: number[] = [...this.#known.keys()];
    if (!this.#leaderReaped) queue.push(this.leaderPid);
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (found.has(pid) || pid === process.pid) continue;
      const e = readProcEntry(pid);
      if (!e || isDeadState(e.state)) continue;
      const ticks = this.#known.get(pid);
      if (ticks !== undefined && ticks !== e.startTicks) continue; // the pid now names someone else
      found.set(pid, e);
      for (const child of childrenOf(pid)) queue.push(child);
    }
    for (const e of found.values()) this.#known.set(e.pid, e.startTicks);
    return [...found.values()];
  }

  /**
   * Whether anything could have outlived a leader whose group and pipes are gone: false only when
   * every pid handed out on the machine after the leader's went to this host's own later spawns
   * (two small reads), so the leader cannot have forked. Otherwise a collect() is needed to tell.
   */
  mayHaveOutlived(): boolean {
    return !HAS_PROC || this.#forkedNothing() === false;
  }

  /** The last pid handed out, when the leader cannot have forked; else false. */
  #forkedNothing(): number | false {
    return nothingForkedSince(this.leaderPid, this.#spawnSeq, this.#forksBefore);
  }

  /**
   * True when no process at all has been created on the machine since the last collect(), so that
   * a new scan could find nothing the last one did not: one small read instead of a scan.
   */
  nothingCreatedSinceCollect(): boolean {
    return HAS_PROC && this.#lastPidAtCollect > 0 && lastPid() === this.#lastPidAtCollect;
  }

  /** Whether a member found earlier is still alive (a zombie counts as dead: it holds nothing). */
  isAlive(member: ProcEntry): boolean {
    if (member.pid === this.leaderPid && !this.#leaderReaped) return true;
    const now = readProcEntry(member.pid);
    return now !== undefined && now.startTicks === member.startTicks && !isDeadState(now.state);
  }

  /**
   * Sends `signal` once to each member: the leader's process group with one kill(-pgid) (which also
   * reaches anything forked into it since the scan), and individually each member outside that
   * group. Once matters: many CLIs treat a second SIGINT or SIGTERM as "quit now".
   * With `group: false` only the members given are signalled (late finds during a grace period).
   */
  signal(members: readonly ProcEntry[], signal: NodeJS.Signals, options: { group?: boolean } = {}): number[] {
    const sent: number[] = [];
    if (process.platform === 'win32') {
      // Windows has no process groups to signal; tree-kill walks the tree with taskkill /T.
      treeKill(this.leaderPid, signal);
      return [this.leaderPid];
    }
    const leader = this.leaderPid;
    const group = options.group ?? true;
    if (group) {
      try {
        process.kill(-leader, signal);
      } catch {
        /* group already empty */
      }
    }
    for (const m of members) {
      if (m.pid === leader && this.#leaderReaped) continue;
      if (group && m.pgid === leader) {
        sent.push(m.pid);
        continue;
      }
      try {
        process.kill(m.pid, signal);
        sent.push(m.pid);
      } catch {
        /* already gone */
      }
    }
    return sent;
  }

  /** Cheap check (one syscall) for anything left in the leader's process group. */
  groupAlive(): boolean {
    // Runs after every exit and usually fails with ESRCH: skip the stack trace the throw would build.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      process.kill(-this.leaderPid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}
