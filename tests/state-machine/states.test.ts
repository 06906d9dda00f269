import { describe, expect, it } from 'vitest';
import { PROCESS_STATES, TERMINAL_STATES, TRANSITIONS, canTransition, isTerminal } from '../../src/index.js';
import { InvalidTransitionError } from '../../src/errors/procward-error.js';
import { StateMachine } from '../../src/state-machine/state-machine.js';

describe('state machine table', () => {
  it('lists the lifecycle the library promises', () => {
    expect(canTransition('queued', 'starting')).toBe(true);
    expect(canTransition('starting', 'running')).toBe(true);
    expect(canTransition('running', 'paused')).toBe(true);
    expect(canTransition('paused', 'running')).toBe(true);
    expect(canTransition('running', 'stopping')).toBe(true);
    expect(canTransition('paused', 'stopping')).toBe(true);
    expect(canTransition('stopping', 'stopped')).toBe(true);
    expect(canTransition('backoff', 'starting')).toBe(true);
  });

  it('keeps terminal states terminal', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['completed', 'failed', 'stopped']);
    for (const t of TERMINAL_STATES) {
      expect(TRANSITIONS[t]).toEqual([]);
      expect(isTerminal(t)).toBe(true);
      for (const s of PROCESS_STATES) expect(canTransition(t, s)).toBe(false);
    }
  });

  it('never reaches stopped without passing through stopping, except from the queue', () => {
    for (const s of PROCESS_STATES) {
      if (s === 'stopping' || s === 'queued' || s === 'backoff') continue;
      expect(canTransition(s, 'stopped')).toBe(false);
    }
  });

  it('names every state in the table', () => {
    expect(Object.keys(TRANSITIONS).sort()).toEqual([...PROCESS_STATES].sort());
    for (const targets of Object.values(TRANSITIONS)) for (const t of targets) expect(PROCESS_STATES).toContain(t);
  });

  it('throws a typed error on an invalid transition and reports valid ones', () => {
    const m = new StateMachine('queued', 'p1');
    expect(() => m.transition('running', 'spawned')).toThrow(InvalidTransitionError);
    try {
      m.transition('completed', 'exit');
    } catch (err) {
      expect((err as InvalidTransitionError).code).toBe('INVALID_TRANSITION');
      expect((err as Error).message).toContain('queued → completed');
    }
    const change = m.transition('starting', 'start');
    expect(change).toMatchObject({ from: 'queued', to: 'starting', reason: 'start' });
    expect(m.state).toBe('starting');
  });
});
