import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseClaudeLine, parseCodexLine } from '../../src/entries/agents.js';

const SHARED = fileURLToPath(new URL('../fixtures/recorded/', import.meta.url));
const lines = (dir: string) =>
  readdirSync(SHARED + dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      readFileSync(SHARED + dir + '/' + f, 'utf8')
        .trim()
        .split('\n')
        .map((l, i) => [`${f}:${i + 1}`, JSON.parse(l)] as const),
    );

describe('Claude Code stream-json', () => {
  it.each(lines('claude'))('%s is a known message', (_where, value) => {
    const got = parseClaudeLine(value);
    expect(got.kind, JSON.stringify(got)).toBe('known');
    if (got.kind === 'known') expect(got.message).toEqual(value); // nothing dropped: unnamed fields pass through
  });

  it('reads the fields hosts need from a result', () => {
    const line = lines('claude').find(([w, v]) => w.startsWith('claude-api-error') && v.type === 'result')![1];
    expect(parseClaudeLine(line)).toMatchObject({ kind: 'known', message: { type: 'result', subtype: 'success', is_error: true, api_error_status: 400 } });
  });

  it('passes an unknown type through and reports a malformed known one', () => {
    expect(parseClaudeLine({ type: 'telemetry_v9', x: 1 })).toEqual({ kind: 'unknown', message: { type: 'telemetry_v9', x: 1 } });
    const bad = parseClaudeLine({ type: 'result', subtype: 'success', session_id: 's' });
    expect(bad.kind).toBe('invalid');
    if (bad.kind === 'invalid') expect(bad.error).toContain('is_error');
    expect(parseClaudeLine({ type: 'assistant', session_id: 's', message: { id: 'm', role: 'assistant', content: [{ type: 'text' }] } }).kind).toBe('invalid');
    expect(parseClaudeLine({ type: 'assistant', session_id: 's', message: { id: 'm', role: 'assistant', content: [{ type: 'image', source: {} }] } }).kind).toBe('known');
    expect(parseClaudeLine([1, 2]).kind).toBe('invalid');
    expect(parseClaudeLine({ no: 'type' }).kind).toBe('invalid');
  });
});

describe('Codex exec --json', () => {
  it.each(lines('codex'))('%s is a known event', (_where, value) => {
    const got = parseCodexLine(value);
    expect(got.kind, JSON.stringify(got)).toBe('known');
    if (got.kind === 'known') expect(got.message).toEqual(value);
  });

  it('passes unknown events and item kinds through, reports malformed known ones', () => {
    expect(parseCodexLine({ type: 'session.configured', model: 'x' }).kind).toBe('unknown');
    expect(parseCodexLine({ type: 'item.completed', item: { id: 'i', type: 'web_search', query: 'q' } }).kind).toBe('known');
    expect(parseCodexLine({ type: 'item.completed', item: { id: 'i', type: 'command_execution' } }).kind).toBe('invalid');
    expect(parseCodexLine({ type: 'turn.completed' }).kind).toBe('invalid');
  });
});
