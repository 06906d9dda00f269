/**
 * An agent run: start it, print its typed events, stop it in the middle of a tool call, and check
 * that nothing of the tool is left. Run with `npm run example:agent`.
 *
 * By default the agent is a stand-in that replays output recorded from the real Claude Code CLI
 * (tests/fixtures/fake-agent.mjs), so the example runs anywhere. With `-- --real "<prompt>"` it runs
 * the `claude` program on your PATH instead (it needs to be logged in or to have an API key).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ProcessManager, isProcwardError } from '../src/index.js';
import type { AgentRun, SpawnAgentOptions } from '../src/entries/agents.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const real = process.argv.indexOf('--real');
const t0 = performance.now();
const log = (what: string, detail = '') => console.log(`${((performance.now() - t0) / 1000).toFixed(2).padStart(6)}s  ${what.padEnd(10)} ${detail}`);

function replay(transcript: string, env: Record<string, string> = {}): Partial<SpawnAgentOptions> {
  return {
    bin: here('../tests/fixtures/fake-agent.mjs'),
    env: { FAKE_AGENT_TRANSCRIPT: here(`../tests/fixtures/recorded/claude/${transcript}.jsonl`), FAKE_AGENT_SCALE: '1', ...env },
  };
}

function show(run: AgentRun): void {
  run.on('session', (s) => log('session', `${s.sessionId}${s.resumed ? ' (resumed)' : ''}`));
  run.on('message', (m) => {
    if (!m.delta) log('message', JSON.stringify(m.text));
    else process.stdout.write(`${''.padStart(18)}… ${JSON.stringify(m.text)}\n`);
  });
  run.on('tool', (t) => (t.phase === 'use' ? log('tool use', `${t.name} ${JSON.stringify(t.input)}`) : log('tool done', `${t.name} → ${JSON.stringify(t.output)}${t.isError ? ' (error)' : ''}`)));
  run.on('usage', (u) => u.context && log('context', `${u.context.usedTokens} of ${u.context.windowTokens} tokens (${u.context.percent}%)${u.costUsd !== null ? `, $${u.costUsd.toFixed(4)}` : ''}`));
  run.on('result', (r) => log('result', `${r.subtype}${r.isError ? ' (error)' : ''}: ${JSON.stringify(r.text)}`));
  run.on('notice', (n) => log('notice', `${n.level}: ${n.message}`));
  run.on('invalid', (i) => log('invalid', i.error));
}

const pm = new ProcessManager();

if (real > 0) {
  const run = pm.agents.spawn({ agent: 'claude', prompt: process.argv[real + 1] ?? 'Say hello in five words.', partialMessages: true });
  show(run);
  try {
    await run.result;
  } catch (err) {
    log('failed', isProcwardError(err) ? `${err.code}: ${err.message}` : String(err));
  }
  await pm.shutdown();
  process.exit(0);
}

// 1. A run that finishes: the answer streams in, then the result with cost and context use.
console.log('\n1. A run that finishes');
const first = pm.agents.spawn({ agent: 'claude', prompt: 'say hi', partialMessages: true, ...replay('claude-partial') });
show(first);
await first.result;

// 2. A run stopped while its Bash tool runs. Claude Code's tool shell is in a session of its own:
//    a process-group kill misses it, so the stop goes SIGINT (the agent's clean stop), then the tree.
console.log('\n2. A run stopped in the middle of a tool call');
const second = pm.agents.spawn({ agent: 'claude', prompt: 'run echo hi with bash', ...replay('claude-tool', { FAKE_AGENT_TOOL: 'hang' }) });
show(second);
const toolPid = Number((await second.process.waitForOutput(/fake-agent tool (\d+)/, { timeoutMs: 30_000 }))[1]);
log('tool pid', String(toolPid));
const exit = await second.stop();
log('stopped', `state ${exit.state}, reason ${exit.reason}, survivors ${exit.survivors.length}`);
await second.result.catch((err) => log('rejected', isProcwardError(err) ? `${err.code}: ${err.message}` : String(err)));
let toolAlive = false;
try {
  toolAlive = !/^\d+ \([^)]*\) [ZX]/.test(readFileSync(`/proc/${toolPid}/stat`, 'utf8'));
} catch {
  /* gone */
}
log('tool', toolAlive ? 'STILL ALIVE' : 'gone');

await pm.shutdown();
log('shutdown', `${pm.liveCount} live processes`);
