import type { ProcessType, Scope } from '../options/schemas.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessState } from '../state-machine/states.js';

export interface ListFilter {
  /** One state or any of several. */
  state?: ProcessState | ProcessState[];
  /** Matches on the parts given: `{ kind: 'task' }` lists every task. */
  scope?: Partial<Scope>;
  type?: ProcessType;
  label?: string;
}

export function matches(p: ManagedProcess, f: ListFilter): boolean {
  if (f.state !== undefined) {
    if (Array.isArray(f.state) ? !f.state.includes(p.state) : p.state !== f.state) return false;
  }
  if (f.type !== undefined && p.type !== f.type) return false;
  if (f.label !== undefined && p.label !== f.label) return false;
  if (f.scope) {
    const s = p.scope;
    if (!s) return false;
    if (f.scope.kind !== undefined && s.kind !== f.scope.kind) return false;
    if (f.scope.id !== undefined && s.id !== f.scope.id) return false;
  }
  return true;
}
