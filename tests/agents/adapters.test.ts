import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeAdapter, codexAdapter, type AgentAdapter, type AgentEvent, type AgentRequest } from '../../src/entries/agents.js';
import { RECORDED } from '../helpers/fake-agent.js';

const request: AgentRequest = { prompt: 'p', cwd: '/w', model: undefined, resume: undefined, partialMessages: false, extraArgs: [] };

function translate(adapter: AgentAdapter, file: string): AgentEvent[] {
  const parser = adapter.createParser(request);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => parser.parse(JSON.parse(line)));
}

const cases = [
  ...readdirSync(RECORDED + 'claude')
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => [claudeAdapter, `claude/${f}`] as const),
  ...readdirSync(RECORDED + 'codex')
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => [codexAdapter, `codex/${f}`] as const),
];

describe('adapters on every recorded transcript', () => {
  it.each(cases)('%s reads %s: a session first, one result last, nothing invalid, tools paired', (adapter, name) => {
    const events = translate(adapter, RECORDED + name);
    expect(events.filter((e) => e.type === 'invalid')).toEqual([]);
    expect(events[0]!.type).toBe('session');
    const results = events.filter((e) => e.type === 'result');
    expect(results).toHaveLength(1);
    expect(events.filter((e) => e.type !== 'usage').at(-1)!.type).toBe('result');
    const uses = events.filter((e) => e.type === 'tool-use').map((e) => (e as { id: string }).id);
    const done = events.filter((e) => e.type === 'tool-result').map((e) => (e as { id: string }).id);
    expect(done).toEqual(uses);
    const sessionId = (events[0] as { sessionId: string }).sessionId;
    expect((results[0] as Extract<AgentEvent, { type: 'result' }>).result.sessionId).toBe(sessionId);
  });

  it('counts a Claude model call once however many content blocks repeat its usage', () => {
    const events = translate(claudeAdapter, RECORDED + 'claude/claude-tool.jsonl');
    const calls = new Set(events.filter((e) => e.type === 'usage').map((e) => (e as Extract<AgentEvent, { type: 'usage' }>).usage.callId));
    expect(calls.size).toBe(2); // two API calls: the tool use, then the answer
  });
});

describe('adapter details the recordings do not show', () => {
  it('Claude: thinking, sub-agent text, thinking deltas and API retries', () => {
    const p = claudeAdapter.createParser(request);
    const sid = { session_id: 's1' };
    expect(p.parse({ type: 'system', subtype: 'init', model: 'claude-x[1m]', ...sid })).toEqual([{ type: 'session', sessionId: 's1', model: 'claude-x[1m]' }]);
    const blocks = p.parse({
      type: 'assistant',
      parent_tool_use_id: 'toolu_parent',
      message: {
        id: 'm1',
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm' },
          { type: 'text', text: 'sub answer' },
        ],
      },
      ...sid,
    });
    expect(blocks).toEqual([
      { type: 'message', message: { messageId: 'm1', kind: 'thinking', text: 'hmm', delta: false, parentToolUseId: 'toolu_parent' } },
      { type: 'message', message: { messageId: 'm1', kind: 'text', text: 'sub answer', delta: false, parentToolUseId: 'toolu_parent' } },
    ]);
    p.parse({ type: 'stream_event', event: { type: 'message_start', message: { id: 'm2' } }, ...sid });
    expect(p.parse({ type: 'stream_event', event: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'let me' } }, ...sid })).toEqual([
      { type: 'message', message: { messageId: 'm2', kind: 'thinking', text: 'let me', delta: true, parentToolUseId: null } },
    ]);
    const retry = p.parse({ type: 'system', subtype: 'api_retry', attempt: 2, error_status: 529, ...sid });
    expect(retry).toEqual([{ type: 'notice', notice: { level: 'warning', message: expect.stringContaining('error_status 529') } }]);
  });

  it('Codex: reasoning, MCP tool calls, file changes and error items', () => {
    const p = codexAdapter.createParser(request);
    const item = (phase: string, it: object) => p.parse({ type: phase, item: it });
    expect(item('item.completed', { id: 'r1', type: 'reasoning', text: 'thinking' })).toEqual([
      { type: 'message', message: { messageId: 'r1', kind: 'thinking', text: 'thinking', delta: false, parentToolUseId: null } },
    ]);
    expect(item('item.started', { id: 'm1', type: 'mcp_tool_call', server: 'docs', tool: 'search', arguments: { q: 'x' }, status: 'in_progress' })).toEqual([
      { type: 'tool-use', id: 'm1', name: 'docs.search', input: { q: 'x' }, parentToolUseId: null },
    ]);
    expect(item('item.completed', { id: 'm1', type: 'mcp_tool_call', server: 'docs', tool: 'search', status: 'failed', error: { message: 'no server' } })).toEqual([
      { type: 'tool-result', id: 'm1', output: 'no server', isError: true, exitCode: null },
    ]);
    // A completion with no start still yields the use first, so hosts always see pairs.
    expect(item('item.completed', { id: 'f1', type: 'file_change', changes: [{ path: 'a.ts', kind: 'update' }], status: 'completed' }).map((e) => e.type)).toEqual(['tool-use', 'tool-result']);
    expect(item('item.completed', { id: 'e1', type: 'error', message: 'sandbox denied' })).toEqual([{ type: 'notice', notice: { level: 'error', message: 'sandbox denied' } }]);
    expect(p.parse({ type: 'item.completed', item: { id: 'x', type: 'command_execution' } })[0]!.type).toBe('invalid');
  });
});
