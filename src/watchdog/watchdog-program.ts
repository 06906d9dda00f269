/**
 * The watchdog, in two stages, so that the process waiting for the host costs about a megabyte:
 *
 * 1. WATCH_SCRIPT, a POSIX shell loop, holds the read end of a pipe whose write end only the host
 *    holds, and keeps the list of leaders the host announces: `+ <pid>:<lo>:<hi> …` adds the
 *    leaders spawned in one turn of the host's event loop, each with bounds of its start ticks from
 *    the host's clock; `= <pid>:<lo>:<hi> …` replaces the list (the host sends it once releases
 *    add up to the list's size, so the shell does O(1) work per process: a release per pid would
 *    rewrite the list each time, O(N²) for N exits, on the host's CPUs). The shell reads nothing
 *    else: its `read` takes a byte per system call, so a /proc read per leader would cost hundreds.
 *    When the host dies, by any means (SIGKILL and the OOM killer included), the kernel closes
 *    that end, `read` sees end-of-file, and the shell execs Node with the reaper. A `bye` line (the
 *    manager shut down) makes it exit without killing anything.
 * 2. reaperMain kills every tree of the manager and exits.
 */
export const WATCH_SCRIPT = [
  // A closed terminal or a Ctrl-C aimed at the host's group must not end the watchdog first.
  "trap '' HUP INT TERM PIPE",
  // SCHED_BATCH: same CPU share, but a wake-up (each announcement the host writes) does not preempt
  // the host on its CPU; otherwise every spawn waits for the shell to parse its line. Where chrt is
  // missing the watchdog runs as it is.
  'command -v chrt >/dev/null 2>&1 && chrt -b -p 0 $$ >/dev/null 2>&1',
  // The list is split into words for the reaper's arguments, never globbed.
  'set -f',
  'node=$1; program=$2; manager=$3; ticks=$4; keep=$5',
  'leaders=""',
  'while read -r op rest; do',
  '  case "$op" in',
  '    +) leaders="$leaders $rest" ;;',
  '    =) leaders=$rest ;;',
  '    bye) exit 0 ;;',
  '  esac',
  'done',
  // Unquoted on purpose: one argument per leader.
  'exec "$node" -e "$program" "$manager" "$ticks" "$keep" $leaders',
].join('\n');

/**
 * The reaper's program. It runs as `node -e` in a process of its own, so the function must be
 * self-contained: it uses only its parameters and globals, never a module-level import (its text
 * is all that reaches the other process, and the bundler rewrites imports and `require`).
 * `leaderArgs` are `<pid>:<lo>:<hi>` of the leaders the host guarded, with bounds of their start
 * ticks; some may have ended since (a pid that names another process now started outside them).
 */
export function reaperMain(fs: typeof import('node:fs'), managerId: string, notBeforeTicks: number, persistEnv: string, leaderArgs: string[]): void {
  type Entry = { ppid: number; pgid: number; start: number; state: string };
  const leaders = leaderArgs.map((a) => a.split(':').map(Number) as [number, number, number]);
  const managerMarker = Buffer.from(`PROCWARD_MANAGER=${managerId}\0`);
  const keepMarker = Buffer.from(`${persistEnv}=1\0`);

  const stat = (pid: number): Entry | undefined => {
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ', 20);
      return { state: f[0]!, ppid: Number(f[1]), pgid: Number(f[2]), start: Number(f[19]) };
    } catch {
      return undefined;
    }
  };
  const environ = (pid: number): Buffer | undefined => {
    try {
      return fs.readFileSync(`/proc/${pid}/environ`);
    } catch {
      return undefined;
    }
  };
  for (const s of ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGPIPE'] as const) process.on(s, () => {});
  reap(Date.now() + 3000);

  /** Kills the manager's trees, round after round, until a scan finds nothing (forks race a kill). */
  function reap(deadline: number): void {
    const table = new Map<number, Entry>();
    let names: string[];
    try {
      names = fs.readdirSync('/proc');
    } catch {
      // Out of file descriptors, say: a throw would end the reaper with the trees alive. Try again.
      if (Date.now() > deadline) process.exit(1);
      setTimeout(() => reap(deadline), 10);
      return;
    }
    for (const name of names) {
      const pid = Number(name);
      if (!(pid > 0) || pid === process.pid) continue;
      const e = stat(pid);
      if (e && e.state !== 'Z' && e.state !== 'X') table.set(pid, e);
    }
    const targets = new Set<number>();
    const kept = new Set<number>();
    for (const [pid, e] of table) {
      // Only processes started since the manager: an older one cannot be ours.
      if (e.start < notBeforeTicks) continue;
      const env = environ(pid);
      if (!env) continue;
      if (env.includes(keepMarker)) kept.add(pid);
      else if (env.includes(managerMarker)) targets.add(pid);
    }
    for (const [pid, lo, hi] of leaders) {
      const e = table.get(pid);
      if (!e || !(e.start >= lo && e.start <= hi)) continue;
      for (const [member, m] of table) if (m.pgid === e.pgid && m.start >= e.start) targets.add(member);
    }
    // Descendants by parent links: children that cleared their environment and left the group.
    const children = new Map<number, number[]>();
    for (const [pid, e] of table) {
      const list = children.get(e.ppid);
      if (list) list.push(pid);
      else children.set(e.ppid, [pid]);
    }
    const queue = [...targets];
    while (queue.length > 0) {
      for (const c of children.get(queue.pop()!) ?? []) {
        if (targets.has(c) || kept.has(c)) continue;
        targets.add(c);
        queue.push(c);
      }
    }
    for (const pid of kept) targets.delete(pid);
    if (targets.size === 0 || Date.now() > deadline) process.exit(0);
    // Stop them all first, so that none forks a new member between the scan and its kill.
    for (const pid of targets) signal(pid, 'SIGSTOP');
    for (const pid of targets) signal(pid, 'SIGKILL');
    setTimeout(() => reap(deadline), 10);
  }

  function signal(pid: number, name: NodeJS.Signals): void {
    try {
      process.kill(pid, name);
    } catch {
      /* gone already */
    }
  }
}
