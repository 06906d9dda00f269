// The real Claude Code CLI, run through procward's agent runs, against a mock Messages API on
// 127.0.0.1. Needs `npm ci` in e2e/ (bash .ci/run does it); skipped, saying so, without it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import type { AgentRun, SpawnAgentOptions, ToolCall } from '../../src/entries/agents.js';
import { AgentResultError, AgentStoppedError } from '../../src/agents/agent-errors.js';
import { waitFor } from '../../tests/helpers/proc.js';
import { claudeBin, claudeEnv, cliInstalled, type OfflineEnv } from '../lib/offline-env.js';
import { managerProcesses } from '../lib/manager-procs.js';
import { apiError, bashThenAnswer, plainAnswer, startAnthropicMock, type AnthropicScript, type MockServer } from '../mock/anthropic-api.js';

const installed = cliInstalled('claude');
if (!installed) console.warn('e2e: Claude Code is not installed (run `npm ci` in e2e/): its tests are skipped');

let pm: ProcessManager;
let mock: MockServer | undefined;
let offline: OfflineEnv | undefined;
let script: AnthropicScript = plainAnswer('hello');

beforeEach(async () => {
  mock = await startAnthropicMock((req) => script(req));
  offline = await claudeEnv(mock.url);
});

afterEach(async () => {
  await pm?.shutdown();
  // Nothing may reach any host but the mock.
  expect(offline?.proxy.attempts ?? []).toEqual([]);
  await mock?.close();
  await offline?.cleanup();
});

function options(prompt: string, more: Partial<SpawnAgentOptions> = {}): SpawnAgentOptions {
  return { agent: 'claude', prompt, bin: claudeBin, cwd: offline!.dirs.work, env: offline!.env, inheritEnv: false, ...more };
}

function events(run: AgentRun) {
  const tools: ToolCall[] = [];
  const deltas: string[] = [];
  run.on('tool', (t) => tools.push(t));
  run.on('message', (m) => m.delta && deltas.push(m.text));
  return { tools, deltas };
}

describe.skipIf(!installed)('Claude Code (real CLI, mock API)', () => {
  it('a plain answer: session, result, usage and context', async () => {
    script = plainAnswer('Hello from the mock model.');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('say hello'));
    const result = await run.result;
    expect(result).toMatchObject({ isError: false, subtype: 'success', text: 'Hello from the mock model.' });
    expect(run.sessionId).toBe(result.sessionId);
    expect(pm.findBySession(result.sessionId!)).toBe(run);
    expect(run.usage.inputTokens).toBeGreaterThan(0);
    expect(run.contextUsage).toMatchObject({ usedTokens: expect.any(Number), windowTokens: expect.any(Number) });
    expect(run.contextUsage!.percent).toBeGreaterThan(0);
    expect(mock!.requests.some((r) => r.method === 'POST' && r.url.startsWith('/v1/messages'))).toBe(true);
  });

  it('a turn with a Bash tool use, then --resume of that session', async () => {
    script = bashThenAnswer('echo hi-from-bash', (r) => `The tool said: ${r.content}`);
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('run echo with bash', { extraArgs: ['--allowedTools', 'Bash'] }));
    const seen = events(run);
    const result = await run.result;
    expect(seen.tools.map((t) => t.phase)).toEqual(['use', 'result']);
    expect(seen.tools[0]).toMatchObject({ name: 'Bash', input: { command: 'echo hi-from-bash' } });
    expect(seen.tools[1]).toMatchObject({ id: seen.tools[0]!.id, output: 'hi-from-bash', isError: false });
    expect(result.text).toBe('The tool said: hi-from-bash');

    script = plainAnswer('You asked me to run echo.');
    const before = mock!.requests.length;
    const resumed = pm.resumeAgent(result.sessionId!, 'what did I ask you?');
    const sessions: unknown[] = [];
    resumed.on('session', (s) => sessions.push(s));
    await expect(resumed.result).resolves.toMatchObject({ text: 'You asked me to run echo.', sessionId: result.sessionId });
    expect(sessions).toEqual([{ sessionId: result.sessionId, resumed: true }]);
    // The CLI sent the earlier turn back: the session really was continued.
    const last = mock!.requests
      .slice(before)
      .filter((r) => r.method === 'POST')
      .at(-1)!;
    expect(JSON.stringify(last.body)).toContain('hi-from-bash');
    expect(pm.sessions()).toEqual([expect.objectContaining({ sessionId: result.sessionId, runs: [run.id, resumed.id], active: false })]);
  });

  it('stop in the middle of a streamed answer', async () => {
    script = () => ({ text: 'word '.repeat(400), deltas: 400, deltaDelayMs: 50 });
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('write a long answer', { partialMessages: true }));
    const seen = events(run);
    await waitFor(() => seen.deltas.length >= 3, 'a few streamed deltas');
    const exit = await run.stop();
    expect(exit.survivors).toEqual([]);
    const err = (await run.result.catch((e) => e)) as AgentStoppedError;
    expect(err).toBeInstanceOf(AgentStoppedError);
    expect(err.reason).toBe('stop');
    expect(managerProcesses(pm.id)).toEqual([]);
  });

  it('stop in the middle of a long Bash tool call: nothing of the tool survives', async () => {
    script = bashThenAnswer('sleep 600');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('sleep with bash', { extraArgs: ['--allowedTools', 'Bash'] }));
    // The tool's shell runs in a session of its own: wait until its sleep is there.
    const tool = await waitFor(() => managerProcesses(pm.id).find((p) => p.cmd === 'sleep 600'), 'the tool to run sleep');
    const exit = await run.stop();
    expect(exit.survivors).toEqual([]);
    expect(managerProcesses(pm.id)).toEqual([]);
    const err = (await run.result.catch((e) => e)) as AgentStoppedError;
    expect(err).toMatchObject({ code: 'AGENT_STOPPED', reason: 'stop' });
    // SIGINT, Claude Code's clean stop, made it end the tool and report the interruption.
    expect(err.result).toMatchObject({ subtype: 'error_during_execution', isError: true });
    expect(tool.pid).toBeGreaterThan(0);
  });

  it("an API error is the agent's error result, with the status", async () => {
    script = () => apiError(400, 'invalid_request_error', 'mock says no');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('say hello'));
    const err = (await run.result.catch((e) => e)) as AgentResultError;
    expect(err).toBeInstanceOf(AgentResultError);
    expect(err.result).toMatchObject({ isError: true, apiErrorStatus: 400 });
    expect(err.message).toContain('mock says no');
  });
});
