import { describe, expect, it } from 'vitest';
import { ErrorCode, NotFoundError, ProcwardError, StopFailedError, isProcwardError } from '../../src/index.js';

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
});
