import { spawn, type ChildProcess } from 'node:child_process';
import { FIXTURES, waitFor } from './proc.js';

/**
 * Host scripts are started with plain child_process, not through a manager of the test: a
 * manager would clean up a dead host's tree itself and hide whether the library inside the host
 * did. They lead their own process group; killHosts() ends any a failed test left running.
 */
const started = new Set<ChildProcess>();

/** Starts `tests/fixtures/<script>` under tsx and resolves with the JSON line it prints once ready. */
export async function startHost<T>(script: string, ...args: string[]): Promise<{ host: ChildProcess; ready: T }> {
  const host = spawn(process.execPath, ['--import', 'tsx', FIXTURES + script, ...args], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  started.add(host);
  host.once('exit', () => started.delete(host));
  let out = '';
  host.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('\n'), `${script} to print its first line`, 30_000);
  return { host, ready: JSON.parse(out) as T };
}

/** For afterEach: SIGKILLs the process group of every host still running. */
export function killHosts(): void {
  for (const host of started) {
    try {
      process.kill(-host.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  started.clear();
}
