import { describe, expect, it } from 'vitest';
import { exitVerdict, type ExitFacts } from '../../src/process/exit-verdict.js';

const base: ExitFacts = { spawnFailed: false, stopReason: undefined, code: 0, signal: null, survivors: 0 };

describe('exit verdict', () => {
  it.each([
    [{}, 'completed', 'exit'],
    [{ code: 2 }, 'failed', 'exit'],
    [{ code: null, signal: 'SIGSEGV' }, 'failed', 'signal'],
    [{ spawnFailed: true, code: null }, 'failed', 'spawn-error'],
    [{ stopReason: 'timeout', code: null, signal: 'SIGKILL' }, 'stopped', 'timeout'],
    [{ stopReason: 'stop', code: 0 }, 'stopped', 'stop'],
    [{ stopReason: 'shutdown', survivors: 1 }, 'failed', 'shutdown'],
    [{ survivors: 2 }, 'failed', 'exit'],
  ] as [Partial<ExitFacts>, string, string][])('%j → %s (%s)', (facts, state, reason) => {
    expect(exitVerdict({ ...base, ...facts })).toEqual({ state, reason });
  });
});
