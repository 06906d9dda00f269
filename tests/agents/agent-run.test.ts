import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentResult, RunUsage, ToolCall } from '../../src/entries/agents.js';
import { AgentExitError, AgentResultError, AgentStoppedError } from '../../src/agents/agent-errors.js';
import { fake, record, reported, toolPid } from '../helpers/fake-agent.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('agent runs (Claude Code adapter, replayed transcripts)', () => {
  it('a plain answer: session, message, usage with cost and context, result', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', cwd: tmpdir(), ...fake('claude/claude-hello') });
    const r = record(run);
    const result = await run.result;

    expect(result).toMatchObject({ isError: false, subtype: 'success', text: expect.stringContaining('hi (mock'), numTurns: 1 });
    const session = r.of<{ sessionId: string; resumed: boolean }>('session');
    expect(session).toEqual([{ sessionId: result.sessionId, resumed: false }]);
    expect(
      r
        .of<{ text: string }>('message')
        .map((m) => m.text)
        .join(''),
    ).toBe(result.text);
    // Every event came before exit; the session before anything else.
    expect(r.events.at(-1)!.name).toBe('exit');
    expect(r.events.find((e) => e.name !== 'raw')!.name).toBe('session');

    expect(run.usage.costUsd).toBe(result.costUsd);
    expect(run.usage.inputTokens).toBeGreaterThan(0);
    // The init message names a "[1m]" model and the result reports its 1M window.
    expect(run.contextUsage).toMatchObject({ windowTokens: 1_000_000, usedTokens: run.usage.inputTokens });
    expect(run.contextUsage!.percent).toBeCloseTo((run.usage.inputTokens / 1_000_000) * 100, 1);

    const { argv, stdin } = reported(run);
    expect(argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--', 'say hi']);
    expect(stdin).not.toBe('pipe'); // agents get stdin ignored: an open pipe makes Codex block
    expect(run.process.info).toMatchObject({ label: 'claude', metadata: { agent: 'claude' }, cwd: tmpdir() });
    expect(pm.findBySession(result.sessionId!)).toBe(run);
    expect(pm.sessions()).toEqual([{ sessionId: result.sessionId, agent: 'claude', cwd: tmpdir(), runs: [run.id], active: false }]);
  });

  it('streams deltas with partialMessages, and the whole text after them', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', partialMessages: true, model: 'opus', ...fake('claude/claude-partial') });
    const r = record(run);
    const result = await run.result;
    const messages = r.of<{ text: string; delta: boolean; messageId: string }>('message');
    const deltas = messages.filter((m) => m.delta);
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.map((d) => d.text).join('')).toBe(result.text);
    expect(messages.filter((m) => !m.delta).map((m) => m.text)).toEqual([result.text]);
    expect(new Set(messages.map((m) => m.messageId)).size).toBe(1);
    expect(reported(run).argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--model', 'opus', '--include-partial-messages', '--', 'say hi']);
    // Usage updates as the answer streams, before the result.
    const usageBeforeResult = r.events
      .slice(
        0,
        r.events.findIndex((e) => e.name === 'result'),
      )
      .filter((e) => e.name === 'usage');
    expect(usageBeforeResult.length).toBeGreaterThan(0);
  });

  it('pairs each tool use with its result by id', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'run echo hi with bash', extraArgs: ['--allowedTools', 'Bash'], ...fake('claude/claude-tool') });
    const r = record(run);
    await run.result;
    const tools = r.of<ToolCall>('tool');
    expect(tools.map((t) => t.phase)).toEqual(['use', 'result']);
    const [use, result] = tools as [Extract<ToolCall, { phase: 'use' }>, Extract<ToolCall, { phase: 'result' }>];
    expect(use).toMatchObject({ name: 'Bash', input: { command: 'echo hi' } });
    expect(result).toMatchObject({ id: use.id, name: 'Bash', input: { command: 'echo hi' }, output: 'hi', isError: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(reported(run).argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--allowedTools', 'Bash', '--', 'run echo hi with bash']);
  });

  it('a failing tool is a tool result with isError, not a failed run', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'list a missing dir', ...fake('claude/claude-tool-fail') });
    const r = record(run);
    await expect(run.result).resolves.toMatchObject({ isError: false });
    expect(r.of<ToolCall>('tool').find((t) => t.phase === 'result')).toMatchObject({ isError: true });
  });

  it("the agent's error result rejects with AGENT_ERROR, its subtype and API status", async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', ...fake('claude/claude-api-error') });
    const err = (await run.result.catch((e) => e)) as AgentResultError;
    expect(err).toBeInstanceOf(AgentResultError);
    expect(err).toMatchObject({ code: 'AGENT_ERROR', result: { subtype: 'success', isError: true, apiErrorStatus: 400 } });
    expect(err.message).toContain('API status 400');
    expect(err.message).toContain('API Error: 400');
  });

  it('a crash before any result rejects with AGENT_EXITED and the stderr tail', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', ...fake('claude/claude-tool', { FAKE_AGENT_CRASH_AFTER: '3' }) });
    const r = record(run);
    const err = (await run.result.catch((e) => e)) as AgentExitError;
    expect(err).toBeInstanceOf(AgentExitError);
    expect(err).toMatchObject({ code: 'AGENT_EXITED', exit: { code: 3 } });
    expect(err.message).toContain('exited with code 3');
    expect(err.message).toContain('lost the connection to the model');
    expect(r.of('tool')).toHaveLength(1); // what it printed before dying still came through
  });

  it('stop in the middle of a streamed answer: SIGINT to the agent first, AGENT_STOPPED with its result', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', partialMessages: true, ...fake('claude/claude-partial', { FAKE_AGENT_HOLD_AFTER: '5' }) });
    await new Promise((resolve) => run.once('message', resolve));
    const exit = await run.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', signal: null });
    const err = (await run.result.catch((e) => e)) as AgentStoppedError;
    expect(err).toBeInstanceOf(AgentStoppedError);
    expect(err).toMatchObject({ code: 'AGENT_STOPPED', reason: 'stop', result: { subtype: 'error_during_execution' } });
  });

  it('stop in the middle of a tool call leaves no tool process, even one in a session of its own', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'run it', ...fake('claude/claude-tool', { FAKE_AGENT_TOOL: 'hang' }) });
    const tool = await toolPid(run);
    expect(isAlive(tool)).toBe(true);
    await run.stop();
    expect(isAlive(tool)).toBe(false);
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_STOPPED' });
  });

  it('the tree stop catches the tool even when the agent exits on SIGTERM and leaves it behind', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'run it', stop: { signal: 'SIGTERM', graceMs: 5000 }, ...fake('claude/claude-tool', { FAKE_AGENT_TOOL: 'hang' }) });
    const tool = await toolPid(run);
    const exit = await run.stop();
    expect(exit.survivors).toEqual([]);
    expect(isAlive(tool)).toBe(false);
  });

  it('timeoutMs ends a run that hangs with AGENT_STOPPED reason timeout', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', timeoutMs: 300, ...fake('claude/claude-hello', { FAKE_AGENT_HOLD_AFTER: '1' }) });
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_STOPPED', reason: 'timeout' });
  });

  it('a missing agent binary gives SPAWN_FAILED naming the program and the bin option', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', bin: 'claude-not-installed-here' });
    const err = await run.result.catch((e) => e);
    expect(err).toMatchObject({ code: 'SPAWN_FAILED', kind: 'command-not-found' });
    expect(err.message).toContain('claude-not-installed-here');
    expect(err.message).toContain('bin option');
    expect(err.message).toContain('@anthropic-ai/claude-code');
  });

  it('lines that are not JSON, malformed known messages and unknown types do not end the run', async () => {
    const pm = newManager();
    const dir = mkdtempSync(join(tmpdir(), 'procward-agent-'));
    const file = join(dir, 'noisy.jsonl');
    writeFileSync(
      file,
      [
        'Welcome to a CLI banner',
        '{"type":"system","subtype":"init","session_id":"s-noisy","model":"m"}',
        '{"type":"assistant","message":"not an object","session_id":"s-noisy"}',
        '{"type":"brand_new_kind","session_id":"s-noisy","payload":1}',
        '{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s-noisy"}',
      ].join('\n'), // no final newline: the last line comes at exit
    );
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'x', bin: fake('x').bin, env: { FAKE_AGENT_TRANSCRIPT: file } });
    const r = record(run);
    await expect(run.result).resolves.toMatchObject({ text: 'done' });
    const invalid = r.of<{ error: string }>('invalid');
    expect(invalid).toHaveLength(2);
    expect(invalid[0]!.error).toContain('not JSON');
    expect(invalid[1]!.error).toContain('malformed "assistant"');
    expect(r.of<{ type: string }>('raw').map((v) => v.type)).toContain('brand_new_kind');
  });
});

describe('sessions', () => {
  it('resumeAgent continues a session with the same adapter, cwd and options', async () => {
    const pm = newManager();
    const cwd = mkdtempSync(join(tmpdir(), 'procward-session-'));
    const first = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', cwd, model: 'sonnet', ...fake('claude/claude-hello', { FAKE_AGENT_SESSION: 'session-1' }) });
    await first.result;
    const second = pm.resumeAgent('session-1', 'what did I ask?', { env: { FAKE_AGENT_TRANSCRIPT: fake('claude/claude-resume').env.FAKE_AGENT_TRANSCRIPT, FAKE_AGENT_SESSION: 'session-1' } });
    const sessions: unknown[] = [];
    second.on('session', (s) => sessions.push(s));
    await second.result;
    expect(reported(second).argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--model', 'sonnet', '--resume', 'session-1', '--', 'what did I ask?']);
    expect(second.process.info.cwd).toBe(cwd);
    expect(sessions).toEqual([{ sessionId: 'session-1', resumed: true }]);
    expect(pm.findBySession('session-1')).toBe(second);
    expect(pm.sessions()).toEqual([{ sessionId: 'session-1', agent: 'claude', cwd, runs: [first.id, second.id], active: false }]);
  });

  it('forgets a session once its runs have left the registry', async () => {
    const pm = newManager({ retainExited: 0 });
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', ...fake('claude/claude-hello', { FAKE_AGENT_SESSION: 'gone-1' }) });
    await new Promise((resolve) => run.once('session', resolve));
    expect(pm.findBySession('gone-1')).toBe(run);
    await run.result;
    await waitFor(() => pm.get(run.id) === undefined, 'the run to leave the registry');
    expect(pm.findBySession('gone-1')).toBeUndefined();
    expect(pm.agentRun(run.id)).toBeUndefined();
    expect(pm.sessions()).toEqual([]);
  });

  it('refuses to resume a session that is still running (SESSION_BUSY) or unknown (NOT_FOUND)', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'say hi', ...fake('claude/claude-hello', { FAKE_AGENT_SESSION: 'busy-1', FAKE_AGENT_HOLD_AFTER: '2' }) });
    await new Promise((resolve) => run.once('session', resolve));
    expect(pm.isSessionActive('busy-1')).toBe(true);
    expect(() => pm.resumeAgent('busy-1', 'again')).toThrow(expect.objectContaining({ code: 'SESSION_BUSY', processId: run.id }));
    expect(() => pm.spawnAgent({ agent: 'claude', prompt: 'again', resume: 'busy-1' })).toThrow(expect.objectContaining({ code: 'SESSION_BUSY' }));
    expect(() => pm.resumeAgent('never-seen', 'again')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', message: expect.stringContaining('spawnAgent') }));
    await run.stop();
    expect(pm.isSessionActive('busy-1')).toBe(false);
  });
});

describe('agent runs (Codex adapter, replayed transcripts)', () => {
  it('a shell tool call and the answer, with per-turn usage and the default context window', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'codex', prompt: 'run echo hi', cwd: tmpdir(), ...fake('codex/codex-shell') });
    const r = record(run);
    const result: AgentResult = await run.result;
    expect(result).toMatchObject({ isError: false, subtype: 'success', text: expect.stringContaining('The command ran'), sessionId: expect.any(String) });
    expect(r.of<{ sessionId: string }>('session')[0]!.sessionId).toBe(result.sessionId);
    const tools = r.of<ToolCall>('tool');
    expect(tools[0]).toMatchObject({ phase: 'use', name: 'shell', input: { command: "/bin/bash -lc 'echo hi'" } });
    expect(tools[1]).toMatchObject({ phase: 'result', name: 'shell', output: 'hi\n', exitCode: 0, isError: false });
    const usage = r.of<RunUsage>('usage').at(-1)!;
    expect(usage).toMatchObject({ inputTokens: 27823, outputTokens: 11, costUsd: null, context: { usedTokens: 27823, windowTokens: 272_000 } });
    expect(reported(run).argv).toEqual(['exec', '--json', '--skip-git-repo-check', '--cd', tmpdir(), '--', 'run echo hi']);
    expect(reported(run).stdin).not.toBe('pipe');
  });

  it('a failing command is a tool result with its exit code', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'codex', prompt: 'list a missing dir', ...fake('codex/codex-shell-fail') });
    const r = record(run);
    await run.result;
    const done = r.of<ToolCall>('tool').find((t) => t.phase === 'result') as Extract<ToolCall, { phase: 'result' }>;
    expect(done.isError).toBe(true);
    expect(done.exitCode).not.toBe(0);
  });

  it('a failed turn rejects with AGENT_ERROR; the error event is a notice', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'codex', prompt: 'say hi', ...fake('codex/codex-api-error') });
    const r = record(run);
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_ERROR', result: { subtype: 'turn_failed', text: expect.stringContaining('mock 400') } });
    expect(r.of<{ level: string }>('notice')).toEqual([expect.objectContaining({ level: 'error' })]);
  });

  it('resume puts the thread id after the exec resume flags and the prompt last', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'codex', prompt: '-what did I ask?', resume: 'thread-9', model: 'gpt-x', contextWindow: 1000, ...fake('codex/codex-resume') });
    await run.result;
    expect(reported(run).argv).toEqual(['exec', 'resume', '--json', '--skip-git-repo-check', '--model', 'gpt-x', 'thread-9', '--', '-what did I ask?']);
    expect(run.contextUsage!.windowTokens).toBe(1000);
  });
});

describe('adapters and options', () => {
  it('runs a host-registered adapter like the built-in ones', async () => {
    const pm = newManager();
    pm.registerAgent({
      name: 'echo-agent',
      bin: 'python3',
      args: (r) => ['-c', 'import json,sys; print(json.dumps({"say": sys.argv[1]})); print(json.dumps({"done": True}))', r.prompt],
      createParser: () => ({
        parse: (v: any) =>
          v.say !== undefined
            ? [{ type: 'message', message: { messageId: 'm1', kind: 'text', text: v.say, delta: false, parentToolUseId: null } }]
            : [
                {
                  type: 'result',
                  result: { text: 'ok', isError: false, subtype: 'success', sessionId: null, apiErrorStatus: null, costUsd: null, numTurns: 1, durationMs: null, usage: null, contextWindow: null },
                },
              ],
      }),
    });
    const run = pm.spawnAgent({ agent: 'echo-agent', prompt: 'hello "there" $HOME' });
    const r = record(run);
    await expect(run.result).resolves.toMatchObject({ text: 'ok' });
    expect(r.of<{ text: string }>('message')[0]!.text).toBe('hello "there" $HOME'); // no shell: the prompt is one argument
  });

  it('an adapter that throws on a line reports it as invalid and the run goes on', async () => {
    const pm = newManager();
    pm.registerAgent({
      name: 'thrower',
      bin: 'echo',
      args: () => ['{"a":1}'],
      createParser: () => ({
        parse: () => {
          throw new Error('boom');
        },
      }),
    });
    const run = pm.spawnAgent({ agent: 'thrower', prompt: 'x' });
    const r = record(run);
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_EXITED' });
    expect(r.of<{ error: string }>('invalid')[0]!.error).toContain('boom');
  });

  it.each([
    [{ agent: 'gemini', prompt: 'x' }, 'no adapter named "gemini" (registered: claude, codex)'],
    [{ agent: 'claude', prompt: '' }, 'prompt must be a non-empty string'],
    [{ agent: 'claude', prompt: 'x', extraArgs: 'oops' }, 'extraArgs'],
    [{ agent: 'claude', prompt: 'x', shell: true }, 'shell'],
    [{ agent: 'claude', prompt: 'x', onIdle: 'event' }, 'onIdle needs idleTimeoutMs'],
    [{ agent: 'claude', prompt: 'x', metrics: false, maxCpuPercent: 50 }, 'leave metrics on'],
  ])('rejects bad options %j with INVALID_OPTIONS', (options, message) => {
    const pm = newManager();
    expect(() => pm.spawnAgent(options as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining(message) }));
  });

  it('rejects an adapter without the required members', () => {
    const pm = newManager();
    expect(() => pm.registerAgent({ name: '', bin: 'x' } as never)).toThrow(expect.objectContaining({ code: 'INVALID_OPTIONS', message: expect.stringContaining('createParser') }));
  });

  it('agent runs share the registry, scopes and stopScope with other processes', async () => {
    const pm = newManager();
    const run = pm.spawnAgent({ agent: 'claude', prompt: 'x', scope: { kind: 'task', id: 't1' }, ...fake('claude/claude-hello', { FAKE_AGENT_HOLD_AFTER: '1' }) });
    await waitFor(() => run.state === 'running', 'the run to start');
    expect(pm.get(run.id)).toBe(run.process);
    expect(pm.agentRun(run.id)).toBe(run);
    await pm.stopScope({ kind: 'task', id: 't1' });
    await expect(run.result).rejects.toMatchObject({ code: 'AGENT_STOPPED', reason: 'scope' });
  });
});
