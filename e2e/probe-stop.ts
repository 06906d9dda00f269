// What a signal to the CLI does while its shell tool runs `sleep 30`: the process tree before the signal,
// how fast the CLI exits, what it prints after, and what it leaves running.
// `npx tsx e2e/probe-stop.ts [claude-SIGINT|claude-SIGTERM|codex-SIGTERM|codex-SIGINT|codex-SIGKILL ...]`
import { bashThenAnswer, startAnthropicMock } from './mock/anthropic-api.js';
import { shellThenAnswer, startResponsesMock } from './mock/responses-api.js';
import { claudeBin, claudeEnv, codexBin, codexEnv } from './lib/offline-env.js';
import { alive, type PsRow, runCli, sleep, tree } from './lib/proc.js';

const SETTLE_MS = 1500; // lets the tool shell start `sleep` before the tree is read

function show(rows: PsRow[], cliPid: number): void {
  for (const r of rows) {
    const role = r.pid === cliPid ? 'CLI' : r.cmd.startsWith('sleep') ? 'TOOL' : '';
    console.log(`    ${String(r.pid).padStart(7)} ppid=${r.ppid} pgid=${r.pgid} sid=${r.sid} ${r.stat.padEnd(5)} ${role.padEnd(4)} ${r.cmd}`);
  }
}

async function probe(cli: 'claude' | 'codex', signal: NodeJS.Signals): Promise<void> {
  const mock = cli === 'claude' ? await startAnthropicMock(bashThenAnswer('sleep 30')) : await startResponsesMock(shellThenAnswer('sleep 30'));
  const off = cli === 'claude' ? await claudeEnv(mock.url) : await codexEnv(mock.url);
  const args = cli === 'claude' ? ['-p', 'run sleep 30', '--output-format', 'stream-json', '--verbose', '--allowedTools', 'Bash'] : ['exec', '--json', '--skip-git-repo-check', 'run sleep 30'];
  // The line that says the tool has started: Claude's tool_use message, Codex's command_execution start.
  const isToolStart = (l: unknown): boolean => JSON.stringify(l).includes(cli === 'claude' ? '"tool_use"' : '"item.started"');
  let seen: PsRow[] = [];
  let signalledAt = 0;
  let linesBefore = 0;
  let lineCount = 0;
  console.log(`\n=== ${cli}: ${signal} to the CLI (pid of ${cli === 'codex' ? 'the npm wrapper' : 'the native binary'}) during sleep 30`);
  const run = await runCli(cli === 'claude' ? claudeBin : codexBin, args, {
    env: off.env,
    cwd: off.dirs.work,
    timeoutMs: 60_000,
    onLine: (line, child, ms) => {
      lineCount++;
      if (signalledAt || !isToolStart(line)) return;
      signalledAt = -1;
      void (async () => {
        await sleep(SETTLE_MS);
        seen = tree(child.pid ?? -1);
        console.log(`  tree ${ms + SETTLE_MS} ms after spawn (own session: CLI pid = pgid = sid):`);
        show(seen, child.pid ?? -1);
        linesBefore = lineCount;
        signalledAt = Date.now();
        child.kill(signal);
      })();
    },
  });
  const exitMs = signalledAt > 0 ? Date.now() - signalledAt : -1;
  console.log(`  exit: code=${run.code} signal=${run.signal} stdout closed ${exitMs} ms after the signal`);
  console.log(`  lines after the signal: ${run.labels.slice(linesBefore).join(', ') || '(none)'}`);
  for (const l of run.lines.slice(linesBefore)) console.log(`    ${JSON.stringify(l).slice(0, 260)}`);
  const result = run.lines.find((l) => (l as { type?: string }).type === 'result') as Record<string, unknown> | undefined;
  if (result) console.log(`  result: subtype=${String(result.subtype)} is_error=${String(result.is_error)} terminal_reason=${String(result.terminal_reason)}`);
  await sleep(500);
  const left = alive(seen.map((r) => r.pid));
  console.log(`  still running 500 ms after exit: ${left.length === 0 ? 'nothing' : ''}`);
  show(left, run.pid);
  // Leave nothing behind: every process seen, by pid.
  for (const r of left) {
    try {
      process.kill(r.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  console.log(`  mock requests: ${mock.requests.map((q) => `${q.method} ${q.url} -> ${q.status} ${q.reply}`).join('; ')}; proxy attempts: ${off.proxy.attempts.length}`);
  await mock.close();
  await off.cleanup();
}

const cases = process.argv.slice(2);
for (const c of cases.length > 0 ? cases : ['claude-SIGINT', 'claude-SIGTERM', 'codex-SIGTERM', 'codex-SIGINT', 'codex-SIGKILL']) {
  const [cli, signal] = c.split('-') as ['claude' | 'codex', NodeJS.Signals];
  await probe(cli, signal);
}
