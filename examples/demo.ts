/**
 * procward's main job on real processes: a command, a service and an agent-like CLI run side by
 * side under one manager, two more wait in the queue, a crashing worker is restarted with backoff
 * until the policy calls it a crash loop, the service is stopped with escalation, and the manager
 * shuts down leaving nothing behind. Run with `npm run demo`.
 */
import { fileURLToPath } from 'node:url';
import { ProcessManager, type ManagedProcess } from '../src/index.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const color = process.stdout.isTTY ? (c: number, s: string) => `\x1b[${c}m${s}\x1b[0m` : (_c: number, s: string) => s;
const colors: Record<string, number> = { build: 36, service: 35, agent: 33, lint: 32, worker: 34 };
const t0 = performance.now();
const stamp = () => color(90, `${((performance.now() - t0) / 1000).toFixed(2)}s`.padStart(6));
const tag = (p: ManagedProcess) => color(colors[p.label ?? ''] ?? 37, `[${p.label}]`.padEnd(9));

const pm = new ProcessManager({ maxConcurrent: 3, stop: { graceMs: 1000 } });

pm.on('state', (p, c) => console.log(`${stamp()} ${tag(p)} ${color(1, `${c.from} → ${c.to}`)} (${c.reason})${p.pid ? ` pid ${p.pid}` : ''}`));
pm.on('output', (p, chunk) => {
  for (const line of chunk.data.toString().split('\n')) {
    if (line) console.log(`${stamp()} ${tag(p)} ${chunk.stream === 'stderr' ? color(31, line) : line}`);
  }
});
pm.on('exit', (p, e) => console.log(`${stamp()} ${tag(p)} exit: ${e.state} (${e.reason}), code ${e.code}, signal ${e.signal}, ${e.durationMs?.toFixed(0)} ms`));
pm.on('restart', (p, r) => console.log(`${stamp()} ${tag(p)} attempt ${r.previous.attempt} ended (${r.previous.reason}, code ${r.previous.code}): restart ${r.attempt} in ${r.delayMs} ms`));

// 1. A one-shot command.
const build = pm.spawn({
  label: 'build',
  command: 'bash',
  args: ['-c', 'for step in compile bundle minify; do echo "$step…"; sleep 0.4; done; echo "warning: 2 unused exports" >&2; echo built'],
  scope: { kind: 'task', id: 'T-1' },
});
// 2. A long-lived service that ignores SIGTERM.
const service = pm.spawn({ label: 'service', type: 'service', ...node('fixtures/stubborn-service.mjs'), scope: { kind: 'project', id: 'web' } });
// 3. An agent-like CLI printing JSON lines slowly.
const agent = pm.spawn({ label: 'agent', ...node('../tests/fixtures/slow-agent.mjs', '4', '500'), scope: { kind: 'task', id: 'T-1' }, timeoutMs: 15_000 });
// 4. A fourth process waits behind maxConcurrent: 3.
const lint = pm.spawn({ label: 'lint', command: 'bash', args: ['-c', 'echo "lint: 0 problems"'] });
// 5. A worker that cannot reach its database: restarted with backoff, then given up on as a crash loop.
const worker = pm.spawn({
  label: 'worker',
  command: 'bash',
  args: ['-c', 'echo "worker: connecting to db…"; sleep 0.2; echo "db unreachable" >&2; exit 3'],
  restart: 'on-failure',
  maxRestarts: 2,
  backoff: { initialMs: 200 },
});
console.log(
  `${stamp()} queued behind maxConcurrent=3: ${pm
    .list({ state: 'queued' })
    .map((p) => p.label)
    .join(', ')}`,
);

// Talk to the service once it listens (rejects with WAIT_FAILED if it dies first or takes over 10 s).
const [, url] = await service.waitForOutput(/listening on (\S+)/, { timeoutMs: 10_000 });
console.log(`${stamp()} ${tag(service)} GET ${url} → ${(await (await fetch(url!)).text()).trim()}`);

await Promise.all([build.exited, agent.exited, lint.exited, worker.exited]);
console.log(
  `${stamp()} live: ${pm
    .list({ state: ['running', 'paused'] })
    .map((p) => `${p.label} (${p.pid})`)
    .join(', ')}`,
);

// Stop the service: SIGTERM, 1 s grace, then SIGKILL over its whole tree.
console.log(`${stamp()} stopping the service (it ignores SIGTERM)…`);
const stopped = await service.stop();
console.log(`${stamp()} ${tag(service)} ended by ${stopped.signal} after the grace period: state ${stopped.state}, reason ${stopped.reason}`);

await pm.shutdown();
const pids = pm
  .list()
  .map((p) => p.pid)
  .filter((pid): pid is number => pid !== undefined);
const alive = pids.filter((pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
});
console.log(`${stamp()} shutdown complete: ${pm.list().length} processes in the registry, ${alive.length === 0 ? 'none' : alive.join(', ')} still alive.`);
console.log(
  pm
    .list()
    .map((p) => `  ${p.label!.padEnd(8)} ${p.state.padEnd(10)} ${p.output.end} bytes of output`)
    .join('\n'),
);

function node(script: string, ...args: string[]) {
  return { command: process.execPath, args: [here(script), ...args] };
}
