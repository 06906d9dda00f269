/**
 * The checks that run on a timer rather than on an event: stops that never settle, followers that
 * never end, and trees that outlive their process's exit (one /proc pass for all recent exits).
 */
import { FOLLOW_DEADLINE_MS, type SoakContext } from './context.js';
import { isLive, scanMarked, type Marked } from './proc-scan.js';
import type { Tracked } from './tracker.js';

/** Ends the host did not ask for: the leader exited (or was killed) by itself, or a crash loop. */
const OWN_ENDS = new Set(['exit', 'signal', 'crash-loop']);

export class PeriodicChecks {
  #scanned = new Set<Tracked>();
  /** Pids already reported, so that one survivor is one finding. */
  #reported = new Set<number>();
  #knownSurvivors = new Set<number>();

  constructor(
    private readonly ctx: SoakContext,
    private readonly notBeforeTicks: number,
  ) {}

  run(): void {
    const now = performance.now();
    const { findings } = this.ctx;
    for (const t of this.ctx.tracked) {
      for (const s of t.stops) {
        if (s.settled || s.flagged || now < s.deadline) continue;
        s.flagged = true;
        const detail = `${s.what} (op #${s.op}, issued in state ${s.stateAtCall}) has not settled after its deadline; now ${t.p.state} (pid ${t.pid()}); history: ${t.history.join(' | ')}`;
        if (s.stateAtCall === 'starting') findings.violation('stop-while-starting-lost', `${t.plan.kind} ${t.p.id}: ${detail}`, t.idx);
        else if (t.stuckKnown)
          continue; // counted once per process
        else if (!this.stuckWithNothingAlive(t, detail)) findings.violation('stop-hung', `${t.plan.kind} ${t.p.id}: ${detail}`, t.idx);
      }
      if (t.live && t.p.state !== t.state) findings.violation('state-getter', `p.state ${t.p.state}, last state event ${t.state}`, t.idx);
    }
    for (const f of this.ctx.followers) {
      if (!f.done && !f.t.stuckKnown && f.t.exit && now - f.t.exitedAt > FOLLOW_DEADLINE_MS) {
        f.done = true; // reported once
        findings.violation('follow-hung', `a follower of ${f.t.p.id} has not ended ${FOLLOW_DEADLINE_MS} ms after the exit`, f.t.idx);
      }
    }
    this.scanTrees();
  }

  /** Pids reported as known survivors (setsid-daemon-outlived-leader). */
  get knownSurvivors(): ReadonlySet<number> {
    return this.#knownSurvivors;
  }

  /**
   * A process that does not end although neither its leader (a zombie counts as dead) nor anything
   * carrying its tree's marker is alive is the known stop-racing-own-exit-lost: counted (once per
   * process) and marked, so that what waits on it is not blamed twice.
   */
  stuckWithNothingAlive(t: Tracked, detail: string): boolean {
    if (t.stuckKnown) return true;
    const pid = t.pid();
    if (t.p.state !== 'stopping' || (pid !== undefined && isLive(pid))) return false;
    if ((scanMarked('PROCWARD_TREE', new Set([t.p.id]), this.notBeforeTicks).get(t.p.id) ?? []).length > 0) return false;
    t.stuckKnown = true;
    this.ctx.findings.violation('stop-racing-own-exit-lost', `${t.plan.kind} ${t.p.id}: ${detail}; nothing of its tree is alive`, t.idx);
    return true;
  }

  /** Nothing of a tree is alive once its process has exited (its stop resolved, or it ended by itself). */
  scanTrees(): void {
    const exited = this.ctx.tracked.filter((t) => t.exit && !this.#scanned.has(t));
    if (exited.length === 0) return;
    const found = scanMarked('PROCWARD_TREE', new Set(exited.map((t) => t.p.id)), this.notBeforeTicks);
    for (const t of exited) {
      this.#scanned.add(t);
      this.#judge(t, found.get(t.p.id) ?? [], t.exit!.state, t.exit!.reason);
    }
  }

  /**
   * Between attempts (state backoff) nothing of the tree may be alive either: the restart policy
   * decides once the attempt's tree is gone. Scanned at once, before the next attempt starts.
   */
  scanBetweenAttempts(t: Tracked, reason: string): void {
    const found = scanMarked('PROCWARD_TREE', new Set([t.p.id]), this.notBeforeTicks);
    this.#judge(t, found.get(t.p.id) ?? [], `backoff after attempt ${t.attempts.length - 1}`, reason);
  }

  /**
   * Members alive after an attempt ended are a violation, except for the known bug: ones in a
   * session of their own that outlived a leader which ended by itself (not by a stop of the host).
   */
  #judge(t: Tracked, members: Marked[], ended: string, reason: string): void {
    const alive = members.filter((m) => !this.#reported.has(m.pid));
    if (alive.length === 0) return;
    for (const m of alive) this.#reported.add(m.pid);
    const leader = t.pid();
    // Every leader is setsid'd, so its session id is its pid: members elsewhere left its session.
    const escaped = alive.every((m) => m.sid !== leader);
    const list = alive.map((m) => `${m.pid} (sid ${m.sid}, pgid ${m.pgid}, ppid ${m.ppid}, ${m.state}) ${m.cmd}`).join('; ');
    const detail = `${t.plan.kind} ${t.p.id} ended ${ended}/${reason} (leader ${leader}) but ${alive.length} of its tree live on: ${list}`;
    if (OWN_ENDS.has(reason) && escaped && (t.plan.expect.tree === 'setsid' || t.plan.expect.tree === 'daemon')) {
      for (const m of alive) this.#knownSurvivors.add(m.pid);
      this.ctx.findings.violation('setsid-daemon-outlived-leader', detail, t.idx);
    } else {
      this.ctx.findings.violation('tree-outlived-exit', detail, t.idx);
    }
  }
}
