import type { Survivor } from '../errors/procward-error.js';
import type { ResolvedStopStep } from '../options/stop-sequence.js';
import { readProcEntry, type ProcEntry } from './proc-table.js';
import type { ProcessTree } from './process-tree.js';

export interface TerminatePlan {
  /**
   * Signals to try before SIGKILL, each with its grace period (the first one runs from the request).
   * A SIGKILL step ends the list; a step with no grace is skipped.
   */
  steps: readonly ResolvedStopStep[];
  /** How long SIGKILL may take before the survivors are reported. */
  killTimeoutMs: number;
}

export interface TerminateControl {
  /** Resolves when the leader has been reaped (it is the one member whose death we hear of). */
  leaderGone: Promise<void>;
  /** Resolves to cut the grace period short (a kill() during a stop). */
  escalate: Promise<void>;
}

export interface TerminateResult {
  /** Every pid that was sent a signal. */
  signalled: number[];
  /** Members still alive after SIGKILL and killTimeoutMs. */
  survivors: Survivor[];
  /** Whether SIGKILL was needed. */
  escalated: boolean;
}

// During the grace period: how often members other than the leader (whose exit we hear of at once)
// are checked for death. A check is one small /proc read per member.
const GRACE_POLL_MS = 10;
// During the grace period: how often the tree is scanned again, to signal children forked since
// (e.g. a shell starting its cleanup) while their parents' links are still intact.
const RESCAN_EVERY_MS = 50;
// After SIGKILL, checks start at 1 ms (death is near-immediate) and back off to this.
const KILL_POLL_MAX_MS = 50;

function delay(ms: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * Runs a stop sequence over a whole tree: each step's signal, then up to its grace period for every
 * member to die; then SIGKILL for what is left, and waits for that too. Members are collected before
 * anything is signalled, so parent links are intact; the tree is rescanned while waiting, so children
 * forked meanwhile are not missed.
 */
export async function terminateTree(tree: ProcessTree, plan: TerminatePlan, control: TerminateControl): Promise<TerminateResult> {
  // The grace period runs from the request, not from when the scan is done.
  let stepStart = performance.now();
  const signalled = new Set<number>();
  const members = new Map<number, ProcEntry>();
  const add = (found: ProcEntry[]) => {
    const fresh: ProcEntry[] = [];
    for (const e of found) {
      if (!members.has(e.pid)) fresh.push(e);
      members.set(e.pid, e);
    }
    return fresh;
  };
  const send = (list: readonly ProcEntry[], signal: NodeJS.Signals, group: boolean) => {
    for (const pid of tree.signal(list, signal, { group })) signalled.add(pid);
  };
  const alive = () => {
    const out: ProcEntry[] = [];
    for (const m of members.values()) if (tree.isAlive(m)) out.push(m);
    return out;
  };
  const done = (): TerminateResult => ({ signalled: [...signalled], survivors: [], escalated: false });

  let escalateNow = false;
  void control.escalate.then(() => {
    escalateNow = true;
  });
  // Once the leader is gone its promise stays resolved; racing it again would spin.
  const never = new Promise<void>(() => {});
  let leaderWake: Promise<void> = control.leaderGone.then(() => {
    leaderWake = never;
  });

  add(tree.collect());

  for (const step of plan.steps) {
    if (escalateNow || step.signal === 'SIGKILL') break;
    if (step.graceMs <= 0) continue;
    const deadline = stepStart + step.graceMs;
    const toLeader = step.target === 'leader';
    const leader = [...members.values()].filter((m) => m.pid === tree.leaderPid && tree.isAlive(m));
    // A signal meant for the leader has nobody to reach once it is gone: on to the next step.
    if (toLeader && leader.length === 0) continue;
    const targets = toLeader ? leader : [...members.values()];
    send(targets, step.signal, !toLeader);
    // A stopped (paused) process only acts on the signal once continued.
    if (step.signal !== 'SIGCONT' && [...members.values()].some((m) => m.state === 'T' || m.state === 't')) send([...members.values()], 'SIGCONT', true);
    let nextScan = performance.now() + RESCAN_EVERY_MS;
    while (!escalateNow) {
      if (alive().length === 0) {
        // Confirm with a scan (something forked just before dying may remain), unless no process
        // at all was created since the last one.
        if (tree.nothingCreatedSinceCollect()) return done();
        const fresh = add(tree.collect());
        if (fresh.length === 0) return done();
        if (!toLeader) send(fresh, step.signal, false);
      }
      // The leader is gone but others live on: its signal can do no more for them.
      if (toLeader && !tree.isAlive(leader[0]!)) break;
      const now = performance.now();
      if (now >= deadline) break;
      if (now >= nextScan) {
        const fresh = add(tree.collect());
        if (fresh.length > 0 && !toLeader) send(fresh, step.signal, false);
        nextScan = now + RESCAN_EVERY_MS;
      }
      const wait = delay(Math.min(GRACE_POLL_MS, deadline - now));
      await Promise.race([wait.promise, leaderWake, control.escalate]);
      wait.cancel();
    }
    stepStart = performance.now();
  }

  add(tree.collect());
  send([...members.values()], 'SIGKILL', true);
  const killDeadline = performance.now() + plan.killTimeoutMs;
  let pollMs = 1;
  for (;;) {
    let left = alive();
    if (left.length === 0) {
      if (tree.nothingCreatedSinceCollect()) return { ...done(), escalated: true };
      const fresh = add(tree.collect());
      if (fresh.length === 0) return { ...done(), escalated: true };
      send(fresh, 'SIGKILL', true);
      left = fresh;
    }
    if (performance.now() >= killDeadline) {
      return {
        signalled: [...signalled],
        survivors: left.map((m) => ({ pid: m.pid, command: m.comm, state: readProcEntry(m.pid)?.state ?? m.state })),
        escalated: true,
      };
    }
    const wait = delay(pollMs);
    await Promise.race([wait.promise, leaderWake]);
    wait.cancel();
    pollMs = Math.min(pollMs * 2, KILL_POLL_MAX_MS);
  }
}
