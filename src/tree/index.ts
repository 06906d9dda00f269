export { ProcessTree, TREE_ENV, MANAGER_ENV, sweepManager } from './process-tree.js';
export { startTicksLowerBound } from './proc-table.js';
export { terminateTree, type TerminatePlan, type TerminateResult } from './terminate.js';
export { readProcTable, readProcEntry, type ProcEntry } from './proc-table.js';
export { forksBeforeSpawn } from './pid-window.js';
