// Plain child_process helpers for the smoke and probe scripts (the e2e tests themselves go through procward).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';

export interface CliRun {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
  /** Parsed stdout lines (a line that is not JSON is kept as a string). */
  lines: unknown[];
  /** One label a line, as in the fixtures' meta files: `system/init`, `stream_event/message_start`, `item.completed/agent_message`. */
  labels: string[];
  /** ms from spawn at which each line arrived. */
  lineMs: number[];
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  env: Record<string, string>;
  cwd: string;
  /** Kill the whole process group after this long. */
  timeoutMs?: number;
  onLine?: (line: unknown, child: ChildProcess, msSinceSpawn: number) => void;
}

export function labelOf(line: unknown): string {
  if (typeof line !== 'object' || line === null) return 'text';
  const l = line as { type?: string; subtype?: string; event?: { type?: string }; item?: { type?: string } };
  if (l.type === 'stream_event') return `stream_event/${l.event?.type ?? '?'}`;
  if (l.type?.startsWith('item.')) return `${l.type}/${l.item?.type ?? '?'}`;
  return l.subtype ? `${l.type}/${l.subtype}` : String(l.type);
}

/**
 * Runs a CLI with stdin ignored (an open stdin pipe makes Codex block and Claude wait 3 s) in a new session,
 * as procward does, so the timeout can signal the CLI's whole process group.
 */
export function runCli(bin: string, args: string[], o: RunOptions): Promise<CliRun> {
  const t0 = Date.now();
  const child = spawn(bin, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const run: CliRun = { pid: child.pid ?? -1, code: null, signal: null, ms: 0, lines: [], labels: [], lineMs: [], stderr: '', timedOut: false };
  let buf = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (text.trim() === '') continue;
      let line: unknown = text;
      try {
        line = JSON.parse(text);
      } catch {
        // keep the raw text
      }
      run.lines.push(line);
      run.labels.push(labelOf(line));
      run.lineMs.push(Date.now() - t0);
      o.onLine?.(line, child, Date.now() - t0);
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk));
  const timer = o.timeoutMs
    ? setTimeout(() => {
        run.timedOut = true;
        killGroup(run.pid, 'SIGKILL');
      }, o.timeoutMs)
    : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' rather than 'exit': every stdout line has been read by then.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      Object.assign(run, { code, signal, ms: Date.now() - t0 });
      resolve(run);
    });
  });
}

export function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

export interface PsRow {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  stat: string;
  cmd: string;
}

export function ps(): PsRow[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,pgid=,sid=,stat=,args='], { encoding: 'utf8' });
  return out.split('\n').flatMap((l) => {
    const m = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l);
    return m ? [{ pid: +m[1]!, ppid: +m[2]!, pgid: +m[3]!, sid: +m[4]!, stat: m[5]!, cmd: m[6]!.slice(0, 140) }] : [];
  });
}

/** The process and all its descendants, found by parent links. */
export function tree(rootPid: number): PsRow[] {
  const rows = ps();
  const inTree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of rows) if (!inTree.has(r.pid) && inTree.has(r.ppid)) (inTree.add(r.pid), (grew = true));
  }
  return rows.filter((r) => inTree.has(r.pid));
}

/** Which of these pids still run (zombies do not count). */
export function alive(pids: number[]): PsRow[] {
  const set = new Set(pids);
  return ps().filter((r) => set.has(r.pid) && !r.stat.startsWith('Z'));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
