import { InvalidTransitionError } from '../errors/procward-error.js';
import { canTransition, type ProcessState, type StateChange, type StateReason } from './states.js';

/** Holds one process's state and enforces the table; the owner decides what to emit. */
export class StateMachine {
  #state: ProcessState;
  readonly #processId: string | undefined;

  constructor(initial: ProcessState, processId?: string) {
    this.#state = initial;
    this.#processId = processId;
  }

  get state(): ProcessState {
    return this.#state;
  }

  /** Moves to `to` or throws InvalidTransitionError; returns the change to announce. */
  transition(to: ProcessState, reason: StateReason): StateChange {
    const from = this.#state;
    if (!canTransition(from, to)) throw new InvalidTransitionError(from, to, this.#processId);
    this.#state = to;
    return { from, to, reason, at: Date.now() };
  }
}
