export { ProcessTree, TREE_ENV } from './process-tree.js';
export { terminateTree, type TerminatePlan, type TerminateResult } from './terminate.js';
export { readProcTable, readProcEntry, type ProcEntry } from './proc-table.js';
