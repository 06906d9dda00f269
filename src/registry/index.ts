export { ProcessManager, type ManagerEvents } from './process-manager.js';
export type { ListFilter } from './list-filter.js';
