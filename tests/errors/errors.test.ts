import { describe, expect, expectTypeOf, it } from 'vitest';
import { ErrorCode, ProcwardError, isProcwardError } from '../../src/index.js';
import type { AgentResult } from '../../src/agents/agent-events.js';
import { AgentExitError, AgentResultError, AgentStoppedError, SessionBusyError, SessionNotFoundError } from '../../src/agents/agent-errors.js';
import type { ProcwardErrorMap, ProcwardErrorOf } from '../../src/entries/error-map.js';
import {
  InvalidOptionsError,
  InvalidTransitionError,
  LedgerCorruptError,
  LimitReachedError,
  ListenerError,
  NotFoundError,
  NotRunningError,
  NotSupportedError,
  ShuttingDownError,
  SpawnFailedError,
  StdinFailedError,
  StdinUnavailableError,
  StopFailedError,
  type Survivor,
} from '../../src/errors/procward-error.js';
import { PtyUnavailableError } from '../../src/errors/pty-unavailable-error.js';
import { WaitFailedError } from '../../src/errors/wait-failed-error.js';
import type { ProcessExit } from '../../src/process/types.js';

describe('errors', () => {
  it('carry a stable code, a name, and serialise to plain data', () => {
    const err = new NotFoundError('abc');
    expect(err).toBeInstanceOf(ProcwardError);
    expect(err.code).toBe(ErrorCode.NOT_FOUND);
    expect(err.name).toBe('NotFoundError');
    expect(JSON.parse(JSON.stringify(err))).toEqual({ name: 'NotFoundError', code: 'NOT_FOUND', message: err.message, processId: 'abc' });
  });

  it('are recognised across copies of the package by their brand, not by instanceof', () => {
    const foreign = Object.assign(new Error('from another copy'), { code: 'STOP_FAILED', [Symbol.for('procward.error')]: true });
    expect(foreign instanceof ProcwardError).toBe(false);
    expect(isProcwardError(foreign)).toBe(true);
    expect(isProcwardError(foreign, 'STOP_FAILED')).toBe(true);
    expect(isProcwardError(foreign, 'NOT_FOUND')).toBe(false);
    expect(isProcwardError(new Error('plain'))).toBe(false);
    expect(isProcwardError(null)).toBe(false);
  });

  it('name the survivors of a failed stop', () => {
    const err = new StopFailedError([{ pid: 42, command: 'fuse-helper', state: 'D' }], 'p1');
    expect(err.message).toContain('42 (fuse-helper, state D)');
    expect(err.survivors).toEqual([{ pid: 42, command: 'fuse-helper', state: 'D' }]);
  });

  it('isProcwardError(e, code) narrows to the class that carries the code', () => {
    const caught: unknown = new StopFailedError([{ pid: 42, state: 'D' }], 'p1');
    expect(isProcwardError(caught, 'NOT_FOUND')).toBe(false);
    if (!isProcwardError(caught, 'STOP_FAILED')) throw new Error('a StopFailedError was not recognised');
    expectTypeOf(caught).toEqualTypeOf<ProcwardErrorOf<'STOP_FAILED'>>();
    expectTypeOf(caught).toExtend<StopFailedError>();
    expectTypeOf(caught.code).toEqualTypeOf<'STOP_FAILED'>();
    expectTypeOf(caught.survivors).toEqualTypeOf<Survivor[]>();
    expect(caught.survivors).toEqual([{ pid: 42, state: 'D' }]);

    const either: unknown = new SessionNotFoundError('s1');
    if (!isProcwardError(either, 'NOT_FOUND')) throw new Error('a SessionNotFoundError was not recognised');
    expectTypeOf(either).toExtend<NotFoundError | SessionNotFoundError>();
    expect('sessionId' in either && either.sessionId).toBe('s1');

    // A union of codes gives the union of their errors, discriminated on code.
    const spawn: unknown = new SpawnFailedError('no such command', 'command-not-found', { errno: 'ENOENT' });
    const code = 'SPAWN_FAILED' as 'SPAWN_FAILED' | 'PTY_UNAVAILABLE';
    if (!isProcwardError(spawn, code)) throw new Error('a SpawnFailedError was not recognised');
    const why = spawn.code === 'SPAWN_FAILED' ? spawn.kind : spawn.reason;
    expect(why).toBe('command-not-found');
    // Without a code, or with one that may be undefined, the base class.
    const plain: unknown = caught;
    const maybe = undefined as ErrorCode | undefined;
    if (isProcwardError(plain)) expectTypeOf(plain).toEqualTypeOf<ProcwardError>();
    if (isProcwardError(plain, maybe)) expectTypeOf(plain).toEqualTypeOf<ProcwardError>();
    expect(isProcwardError(plain, maybe)).toBe(true);
  });

  // The map is types only: each row is checked by the compiler (the class is the map's for its
  // code) and here (the class raises that code), and every code has a row.
  const row = <C extends ErrorCode>(code: C, make: () => ProcwardErrorMap[C]) => [code, make] as const;
  const exit = { code: 1, signal: null, stderrTail: '' } as ProcessExit;
  const result = { subtype: 'error_max_turns', apiErrorStatus: null, text: 'max turns' } as AgentResult;
  const rows = [
    row('INVALID_OPTIONS', () => new InvalidOptionsError('spawn options', [{ path: 'x', message: 'bad' }])),
    row('SPAWN_FAILED', () => new SpawnFailedError('m', 'other', {})),
    row('NOT_RUNNING', () => new NotRunningError('m')),
    row('NOT_FOUND', () => new NotFoundError('p1')),
    row('NOT_FOUND', () => new SessionNotFoundError('s1')),
    row('LIMIT_REACHED', () => new LimitReachedError(3)),
    row('SHUTTING_DOWN', () => new ShuttingDownError()),
    row('INVALID_TRANSITION', () => new InvalidTransitionError('running', 'queued')),
    row('STOP_FAILED', () => new StopFailedError([{ pid: 1 }])),
    row('NOT_SUPPORTED', () => new NotSupportedError('m')),
    row('STDIN_UNAVAILABLE', () => new StdinUnavailableError('m')),
    row('STDIN_FAILED', () => new StdinFailedError('m', new Error('EPIPE'))),
    row('LISTENER_FAILED', () => new ListenerError('exit', new Error('boom'))),
    row('OUTPUT_FAILED', () => new ProcwardError('OUTPUT_FAILED', 'm')),
    row('CHILD_ERROR', () => new ProcwardError('CHILD_ERROR', 'm')),
    row('AGENT_ERROR', () => new AgentResultError('claude', result, exit, 'p1')),
    row('AGENT_EXITED', () => new AgentExitError('claude', exit, 'p1')),
    row('AGENT_STOPPED', () => new AgentStoppedError('claude', 'stop', exit, null, 'p1')),
    row('SESSION_BUSY', () => new SessionBusyError('s1', 'p1')),
    row('LEDGER_CORRUPT', () => new LedgerCorruptError('/state/ledger.json', 'it is empty')),
    row('STATE_FAILED', () => new ProcwardError('STATE_FAILED', 'm')),
    row('INTERNAL_FAILED', () => new ProcwardError('INTERNAL_FAILED', 'm')),
    row('PTY_UNAVAILABLE', () => new PtyUnavailableError('not-installed', 'd', { packageName: 'p', supported: '1', install: 'npm i p' })),
    row('WAIT_FAILED', () => new WaitFailedError('timeout', 'm', { processId: 'p1' })),
  ];

  it.each(rows.map(([code, make]) => [code, make().name, make] as const))('%s is carried by %s', (code, _name, make) => {
    const error = make();
    expect(error.code).toBe(code);
    expect(isProcwardError(error, code)).toBe(true);
  });

  it('every code has a row', () => {
    expect(new Set(rows.map(([code]) => code))).toEqual(new Set(Object.values(ErrorCode)));
  });
});
