/**
 * Follows one process through its life and checks it against its own events: every transition is
 * in the table, chunks are contiguous and all arrive before `exit`, each attempt delivered exactly
 * what its child says it wrote, the exit record is consistent, every error has a code.
 */
import { canTransition, isProcwardError, type ManagedProcess, type OutputChunk, type ProcessExit, type ProcessState, type ProcwardError, type StateChange } from '../src/index.js';
import { AttemptBytes } from './byte-count.js';
import { exitProblems } from './exit-rules.js';
import type { Findings } from './findings.js';
import type { Planned } from './kinds.js';

/** Transitions and events kept per process for a report. */
const HISTORY = 40;
/** Most of a shell's output kept for the marker check. */
const SHELL_TEXT_CAP = 1 << 20;

export interface PendingStop {
  op: number;
  what: string;
  stateAtCall: ProcessState;
  deadline: number;
  settled: boolean;
  flagged: boolean;
}

/** What was written to stdin in the current attempt (for the echo check). */
interface StdinLedger {
  attempt: number;
  written: number;
  pending: number;
  failed: boolean;
  ended: boolean;
}

export class Tracked {
  state: ProcessState = 'queued';
  exit: ProcessExit | undefined;
  exitedAt = 0;
  transitions = 0;
  bytes = 0;
  readonly attempts: AttemptBytes[] = [new AttemptBytes()];
  readonly stops: PendingStop[] = [];
  readonly errorCodes: string[] = [];
  stdin: StdinLedger = { attempt: 0, written: 0, pending: 0, failed: false, ended: false };
  /** Shell markers (the number each `echo $((…))` prints), typed while the shell ran, before `exit`. */
  readonly markers: string[] = [];
  exitSent = false;
  /** Stuck in a known bug (stop-racing-own-exit-lost): it will never exit, and what waits on it never ends. */
  stuckKnown = false;
  /** The latest transitions and attempt ends, for a report about this process. */
  readonly history: string[] = [];
  /** Something was typed into this terminal: the line discipline echoes it, so the count of `out` is off. */
  typed = false;
  shellText = '';
  #nextOffset = 0;
  /** `restart` events: restarts scheduled (a stop during the backoff cancels the last one). */
  #restarts = 0;
  /** Restarts that happened: moves to `starting` with reason restart. */
  #restarted = 0;
  readonly createdAt: number;
  readonly pid: () => number | undefined;

  constructor(
    readonly idx: number,
    readonly plan: Planned,
    readonly p: ManagedProcess,
    private readonly findings: Findings,
  ) {
    this.createdAt = p.info.createdAt;
    this.pid = () => p.pid;
    p.on('state', (c) => this.#onState(c));
    p.on('output', (c) => this.#onOutput(c));
    p.on('restart', (r) => this.#note(`restart ${JSON.stringify(r.previous)} in ${r.delayMs} ms`));
    p.on('orphans', (o) => this.#note(`orphans ${JSON.stringify(o)}`));
    p.on('idle', (i) => this.#note(`idle ${JSON.stringify(i)}`));
    p.on('restart', (r) => this.#onAttemptEnd(r.previous.code, r.previous.signal, `attempt ${r.previous.attempt}`, true));
    p.on('exit', (e) => this.#onExit(e));
    p.on('error', (e) => this.checkError(e, 'an error event'));
    void p.exited.then((e) => {
      if (this.exit !== e) this.#violate('exited-mismatch', `p.exited resolved with ${JSON.stringify(e)} but the exit event gave ${JSON.stringify(this.exit)}`);
    });
  }

  get live(): boolean {
    return this.exit === undefined;
  }

  get attempt(): AttemptBytes {
    return this.attempts[this.attempts.length - 1]!;
  }

  #violate(what: string, detail: string): void {
    this.findings.violation(what, `${this.plan.kind} ${this.p.id}: ${detail}`, this.idx);
  }

  /** Every error the library hands out is a ProcwardError with a code. */
  checkError(e: unknown, where: string): e is ProcwardError {
    if (!isProcwardError(e) || typeof e.code !== 'string' || (e.code as string) === '') {
      this.#violate('error-without-code', `${where}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
      return false;
    }
    this.errorCodes.push(e.code);
    return true;
  }

  #note(what: string): void {
    this.history.push(`${this.findings.elapsedMs}ms ${what}`);
    if (this.history.length > HISTORY) this.history.shift();
  }

  #onState(c: StateChange): void {
    this.transitions++;
    this.#note(`${c.from}→${c.to} (${c.reason})`);
    if (this.exit) this.#violate('state-after-exit', `${c.from} → ${c.to} (${c.reason}) after exit`);
    if (c.from !== this.state) this.#violate('state-from', `state event from ${c.from}, but the last state was ${this.state}`);
    if (!canTransition(c.from, c.to)) this.#violate('illegal-transition', `${c.from} → ${c.to} (${c.reason})`);
    if (this.p.state !== c.to) this.#violate('state-getter', `state event to ${c.to} while p.state is ${this.p.state}`);
    this.state = c.to;
    if (c.to === 'starting' && c.reason === 'restart') {
      this.#restarted++;
      this.attempts.push(new AttemptBytes());
      this.stdin = { attempt: this.attempts.length - 1, written: 0, pending: 0, failed: false, ended: false };
    }
  }

  #onOutput(c: OutputChunk): void {
    if (this.exit) this.#violate('output-after-exit', `${c.data.length} bytes at ${c.offset} after exit`);
    if (this.state === 'backoff') this.#violate('output-in-backoff', `${c.data.length} bytes while waiting to restart`);
    if (c.offset !== this.#nextOffset) this.#violate('offset-gap', `chunk at ${c.offset}, expected ${this.#nextOffset}`);
    const streamOk = this.plan.expect.pty ? c.stream === 'pty' : c.stream === 'stdout' || c.stream === 'stderr';
    if (!streamOk) this.#violate('stream', `chunk on ${c.stream}`);
    this.#nextOffset = c.offset + c.data.length;
    this.bytes += c.data.length;
    if (this.plan.expect.shell) {
      if (this.shellText.length < SHELL_TEXT_CAP) this.shellText += c.data.toString('latin1');
    } else {
      this.attempt.add(c.stream, c.data);
    }
  }

  /** An attempt ended (a restart, or the exit): it must have delivered what its child wrote. */
  #onAttemptEnd(code: number | null, signal: string | null, which: string, restarting: boolean): void {
    if (restarting) this.#restarts++;
    const e = this.plan.expect;
    if (!e.trailer) return;
    const a = this.attempt;
    const where = `${which} (code ${code}, signal ${signal})`;
    if (a.garbled !== undefined) return this.#violate('garbled-output', `${where}: "${a.garbled}" where the trailer should be; ${a.describe()}`);
    if (code !== null && !a.trailer)
      return this.#violate('bytes-lost', `${where} exited with a code, so it wrote its trailer, but no trailer arrived before ${restarting ? 'the restart' : 'exit'}; ${a.describe()}`);
    if (!a.trailer) return;
    const outOk = this.typed ? a.out >= a.trailer.out : a.trailer.out === a.out && a.after === 0;
    if (!outOk || a.trailer.err !== a.err) {
      this.#violate('bytes-mismatch', `${where}: ${a.describe()}`);
    }
    const s = this.stdin;
    if (e.echo && a.trailer.in !== undefined && s.ended && !s.failed && s.pending === 0 && a.trailer.in !== s.written) {
      this.#violate('stdin-bytes', `${where}: wrote ${s.written} bytes (all resolved) then end(), the child read ${a.trailer.in}`);
    }
  }

  #onExit(exit: ProcessExit): void {
    if (this.exit) return this.#violate('exit-twice', JSON.stringify(exit));
    this.exit = exit;
    this.exitedAt = performance.now();
    if (exit.state !== this.state) this.#violate('exit-state', `exit says ${exit.state}, the last state event said ${this.state}`);
    for (const problem of exitProblems(exit, this.createdAt)) this.#violate('exit-record', `${problem}: ${JSON.stringify(exit)}`);
    const cancelled = exit.reason !== 'crash-loop' && this.#restarts === this.#restarted + 1;
    if (exit.restarts !== this.#restarted || !(this.#restarts === this.#restarted || cancelled)) {
      this.#violate('restart-count', `exit.restarts ${exit.restarts}, restarts that happened ${this.#restarted}, restart events ${this.#restarts}`);
    }
    if (exit.survivors.length > 0) this.#violate('survivors', `outlived SIGKILL: ${JSON.stringify(exit.survivors)}`);
    const e = this.plan.expect;
    // A missing command or cwd fails the spawn, unless a stop got there first (queued, or aborted).
    if (e.spawnError ? exit.reason !== 'spawn-error' && exit.state !== 'stopped' : exit.reason === 'spawn-error') {
      this.#violate('spawn-error', `expected ${e.spawnError ? 'a spawn error' : 'no spawn error'}, got ${exit.state}/${exit.reason}: ${JSON.stringify(exit.error)}`);
    }
    if (exit.reason !== 'spawn-error') this.#onAttemptEnd(exit.code, exit.signal, 'the last attempt', false);
    const total = this.attempts.reduce((n, a) => n + a.total, 0);
    if (!e.shell && total !== this.bytes) this.#violate('count', `counted ${total} of ${this.bytes} bytes (soak bug?)`);
    if (this.p.output.end !== this.bytes) this.#violate('buffer-end', `output.end ${this.p.output.end}, bytes on output events ${this.bytes}`);
    if (this.p.info.outputBytes !== this.bytes) this.#violate('info-bytes', `info.outputBytes ${this.p.info.outputBytes}, bytes on output events ${this.bytes}`);
    if (e.shell && exit.state === 'completed' && this.exitSent) {
      const missing = this.markers.filter((m) => !this.shellText.includes(m));
      if (missing.length > 0 && this.shellText.length < SHELL_TEXT_CAP) {
        this.#violate(
          'shell-output-lost',
          `completed after exit, but the output of ${missing.length}/${this.markers.length} commands typed before it is missing (${missing.slice(0, 3).join(', ')}); tail: ${JSON.stringify(this.shellText.slice(-200))}`,
        );
      }
    }
  }
}
