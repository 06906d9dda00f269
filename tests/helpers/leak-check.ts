/**
 * Fails the run if any process started during the tests is still alive at the end. Every process
 * of this run carries a run id set here in its environment (inherited by the workers and by
 * everything they start, through the library or not: host scripts spawned with plain
 * child_process, tmux servers); the ones alive after the last test are leaks, except vitest's own
 * processes. They are killed and listed. (The run id keeps other procward users on the machine,
 * such as a benchmark, out of the verdict.)
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { uptime } from 'node:os';

function scan(notBefore: number, runId: string): { pid: number; cmd: string }[] {
  const leaks: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || Number(f[19]) < notBefore) continue;
      const env = readFileSync(`/proc/${pid}/environ`, 'latin1');
      if (!env.includes(`PROCWARD_TEST_RUN=${runId}\0`)) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' ').trim();
      // The runner's own workers and the transform service it keeps are not the tests' processes.
      if (!env.includes('PROCWARD_TREE=') && /node_modules\/(vitest|tinypool)\/|esbuild --service/.test(cmd)) continue;
      leaks.push({ pid, cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return leaks;
}

export default function setup() {
  const notBefore = Math.floor((uptime() - 1) * 100);
  const runId = randomUUID();
  process.env.PROCWARD_TEST_RUN = runId; // inherited by the workers, and by the children they spawn
  return () => {
    if (process.platform !== 'linux') return;
    const leaks = scan(notBefore, runId);
    for (const l of leaks) {
      try {
        process.kill(l.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (leaks.length > 0) {
      // Vitest reports a teardown error but keeps its exit code: set it so the run fails.
      process.exitCode = 1;
      throw new Error(`Processes left behind by the tests:\n${leaks.map((l) => `  ${l.pid} ${l.cmd}`).join('\n')}`);
    }
  };
}
