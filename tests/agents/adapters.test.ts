import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { claudeAdapter, codexAdapter, type AgentAdapter, type AgentEvent, type AgentRequest } from '../../src/index.js';
import { RECORDED } from './fake-agent.js';

const request: AgentRequest = { prompt: 'p', cwd: '/w', model: undefined, resume: undefined, partialMessages: false, extraArgs: [] };

function translate(adapter: AgentAdapter, file: string): AgentEvent[] {
  const parser = adapter.createParser(request);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .flatMap((line) => parser.parse(JSON.parse(line)));
}

const cases = [
  ...readdirSync(RECORDED + 'claude').filter((f) => f.endsWith('.jsonl')).map((f) => [claudeAdapter, `claude/${f}`] as const),
  ...readdirSync(RECORDED + 'codex').filter((f) => f.endsWith('.jsonl')).map((f) => [codexAdapter, `codex/${f}`] as const),
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
