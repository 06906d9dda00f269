export * from './states.js';
export { StateMachine } from './state-machine.js';
