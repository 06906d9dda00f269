import { machineReadings, windowFrom } from './pid-window.js';

/**
 * The pids this host process's own spawns were given, in the order they were handed out, so that
 * a leader's exit can often be settled without a scan of the process table: when every pid handed
 * out on the machine since the leader's own went to a later spawn of this host, the leader created
 * no process (each of its forks would have taken a pid of that range, and every pid of it is
 * accounted for). A host running many short children at once (8 in flight) would otherwise scan
 * for the escaped descendants of every one of them: the pids of its siblings are always there.
 *
 * Shared by every manager (and copy of procward) in the process through a registry-wide symbol:
 * a pid given to any of them is one of this process's.
 */
interface OwnSpawns {
  /** pid → sequence number of the latest spawn given that pid. */
  bySeq: Map<number, number>;
  seq: number;
}

const registry = Symbol.for('procward.ownSpawns');
const own: OwnSpawns = ((globalThis as Record<symbol, OwnSpawns | undefined>)[registry] ??= { bySeq: new Map(), seq: 0 });

// Enough for the spawns of any leader's short life; an older entry only makes a check fall back.
const KEEP = 4096;
// A window wider than this is settled by a scan, not pid by pid.
const MAX_WINDOW = 64;

/** Records the pid a spawn of this process was just given; returns its sequence number. */
export function recordOwnSpawn(pid: number): number {
  const seq = ++own.seq;
  own.bySeq.delete(pid); // re-inserted last: the map stays in spawn order
  own.bySeq.set(pid, seq);
  if (own.bySeq.size > KEEP) own.bySeq.delete(own.bySeq.keys().next().value!);
  return seq;
}

/** The sequence number of the latest spawn recorded: spawns recorded later come after any process alive now. */
export function ownSpawnSeq(): number {
  return own.seq;
}

/**
 * The last pid handed out, when the leader (`leaderPid`, alive or recorded when spawn number `afterSeq` was the
 * latest) cannot have created a process: allocation has not lapped it (proved from the fork count
 * `forksBefore` sampled before it was spawned, as for its pid window), and each pid from the one
 * after it to the last handed out went to a spawn of this process recorded after it. False
 * whenever that cannot be shown (a pid of someone else, a pid in use skipped by the allocator, a
 * wide window, no /proc): then a scan decides.
 */
export function nothingForkedSince(leaderPid: number, afterSeq: number, forksBefore: number): number | false {
  // Two small reads (the last pid and the fork count, in that order: forks counted after the pid
  // was read bound those made before it); no listing, no read per pid.
  const r = machineReadings();
  if (!r) return false;
  const last = r.last;
  const count = last - leaderPid;
  if (count < 0 || count > MAX_WINDOW) return false; // wrapped at pid_max, or too many to check
  if (!windowFrom({ leaderPid, forksBefore, ...r })) return false; // allocation may have lapped the leader
  for (let pid = leaderPid + 1; pid <= last; pid++) {
    const seq = own.bySeq.get(pid);
    if (seq === undefined || seq <= afterSeq) return false;
  }
  return last;
}
