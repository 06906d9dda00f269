// The real Codex CLI, run through procward's agent runs, against a mock Responses API on
// 127.0.0.1. Needs `npm ci` in e2e/ (bash .ci/run does it); skipped, saying so, without it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import type { SpawnAgentOptions, ToolCall } from '../../src/entries/agents.js';
import { AgentResultError, AgentStoppedError } from '../../src/agents/agent-errors.js';
import { waitFor } from '../../tests/helpers/proc.js';
import { cliInstalled, codexBin, codexEnv, type OfflineEnv } from '../lib/offline-env.js';
import { managerProcesses } from '../lib/manager-procs.js';
import { apiError, plainAnswer, shellThenAnswer, startResponsesMock, type MockServer, type ResponsesScript } from '../mock/responses-api.js';

const installed = cliInstalled('codex');
if (!installed) console.warn('e2e: Codex is not installed (run `npm ci` in e2e/): its tests are skipped');

let pm: ProcessManager;
let mock: MockServer | undefined;
let offline: OfflineEnv | undefined;
let script: ResponsesScript = plainAnswer('hello');

beforeEach(async () => {
  mock = await startResponsesMock((req) => script(req));
  offline = await codexEnv(mock.url);
});

afterEach(async () => {
  await pm?.shutdown();
  expect(offline?.proxy.attempts ?? []).toEqual([]);
  await mock?.close();
  await offline?.cleanup();
});

function options(prompt: string, more: Partial<SpawnAgentOptions> = {}): SpawnAgentOptions {
  return { agent: 'codex', prompt, bin: codexBin, cwd: offline!.dirs.work, env: offline!.env, inheritEnv: false, ...more };
}

describe.skipIf(!installed)('Codex (real CLI, mock API)', () => {
  it('a plain answer, then resume of the thread', async () => {
    script = plainAnswer('Hello from the mock model.');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('say hello'));
    const result = await run.result;
    expect(result).toMatchObject({ isError: false, text: 'Hello from the mock model.', sessionId: expect.any(String) });
    expect(run.usage.inputTokens + run.usage.cacheReadTokens).toBeGreaterThan(0);
    expect(run.contextUsage!.percent).toBeGreaterThan(0);

    script = plainAnswer('You asked me to say hello.');
    const resumed = pm.resumeAgent(result.sessionId!, 'what did I ask you?');
    await expect(resumed.result).resolves.toMatchObject({ text: 'You asked me to say hello.', sessionId: result.sessionId });
    const last = mock!.requests.filter((r) => r.method === 'POST').at(-1)!;
    expect(JSON.stringify(last.body)).toContain('say hello'); // the earlier turn went back to the model
  });

  it('a shell tool call, paired with its result', async () => {
    script = shellThenAnswer('echo hi-from-shell', (o) => `The shell said: ${o.text.trim()}`);
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('run echo'));
    const tools: ToolCall[] = [];
    run.on('tool', (t) => tools.push(t));
    const result = await run.result;
    expect(tools.map((t) => t.phase)).toEqual(['use', 'result']);
    expect(tools[0]).toMatchObject({ name: 'shell', input: { command: expect.stringContaining('echo hi-from-shell') } });
    expect(tools[1]).toMatchObject({ id: tools[0]!.id, output: expect.stringContaining('hi-from-shell'), exitCode: 0, isError: false });
    expect(result.text).toBe('The shell said: hi-from-shell');
  });

  it('stop in the middle of a long shell call: wrapper, native binary and the command all end', async () => {
    script = shellThenAnswer('sleep 600');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('sleep'));
    await waitFor(() => managerProcesses(pm.id).find((p) => p.cmd.includes('sleep 600')), 'the shell call to run sleep');
    const during = managerProcesses(pm.id);
    expect(during.length).toBeGreaterThanOrEqual(3); // npm wrapper, native codex, the command (and helpers)
    const exit = await run.stop();
    expect(exit.survivors).toEqual([]);
    expect(managerProcesses(pm.id)).toEqual([]);
    await expect(run.result).rejects.toBeInstanceOf(AgentStoppedError);
  });

  it('kill() (SIGKILL) takes the native binary too, not just its npm wrapper', async () => {
    script = shellThenAnswer('sleep 600');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('sleep'));
    await waitFor(() => managerProcesses(pm.id).find((p) => p.cmd.includes('sleep 600')), 'the shell call to run sleep');
    await run.kill();
    expect(managerProcesses(pm.id)).toEqual([]);
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_STOPPED', reason: 'kill' });
  });

  it('an API error is a failed turn: AGENT_ERROR', async () => {
    script = () => apiError(400, 'invalid_request_error', 'mock says no');
    pm = new ProcessManager();
    const run = pm.spawnAgent(options('say hello'));
    const err = (await run.result.catch((e) => e)) as AgentResultError;
    expect(err).toBeInstanceOf(AgentResultError);
    expect(err.result).toMatchObject({ isError: true, subtype: 'turn_failed' });
    expect(err.message).toContain('mock says no');
  });
});
