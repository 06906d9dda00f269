import type { z } from 'zod';
import type { ListFilterSchema } from '../options/schemas.js';
import type { ManagedProcess } from '../process/managed-process.js';

/**
 * What pm.list() selects: `state` one state or any of several; `scope` matches on the parts given
 * (`{ kind: 'task' }` lists every task); `type`; `label`.
 */
export type ListFilter = z.infer<typeof ListFilterSchema>;

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
