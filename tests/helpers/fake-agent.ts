import type { AgentRun } from '../../src/entries/agents.js';
import { FIXTURES, waitFor } from './proc.js';

export const FAKE_AGENT = FIXTURES + 'fake-agent.mjs';
export const RECORDED = FIXTURES + 'recorded/';

/** spawnAgent options that run the fake agent on a recorded transcript ("claude/claude-tool"). */
export function fake(transcript: string, env: Record<string, string> = {}) {
  return { bin: FAKE_AGENT, env: { FAKE_AGENT_TRANSCRIPT: `${RECORDED}${transcript}.jsonl`, ...env } };
}

/** What the fake agent said on stderr about its argv and stdin. */
export function reported(run: AgentRun): { argv: string[]; stdin: string; tool?: number } {
  const text = run.process.output
    .chunks()
    .filter((c) => c.stream === 'stderr')
    .map((c) => c.data.toString())
    .join('');
  const argv = JSON.parse(/fake-agent argv (.*)/.exec(text)?.[1] ?? '[]') as string[];
  const stdin = /fake-agent stdin (\S+)/.exec(text)?.[1] ?? '';
  const tool = /fake-agent tool (\d+)/.exec(text)?.[1];
  return { argv, stdin, ...(tool ? { tool: Number(tool) } : {}) };
}

export function toolPid(run: AgentRun): Promise<number> {
  return waitFor(() => reported(run).tool, 'the fake agent to start its tool');
}

/** Collects every event of a run, by name. */
export function record(run: AgentRun) {
  const events: { name: string; payload: unknown }[] = [];
  for (const name of ['session', 'message', 'tool', 'usage', 'result', 'notice', 'invalid', 'raw', 'exit'] as const) {
    run.on(name, (payload: unknown) => events.push({ name, payload }));
  }
  const of = <T = any>(name: string) => events.filter((e) => e.name === name).map((e) => e.payload as T);
  return { events, of };
}
