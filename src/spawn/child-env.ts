import { MANAGER_ENV, TREE_ENV } from '../tree/process-tree.js';

/**
 * The child's environment: the host's (unless inheritEnv is false), the caller's overrides
 * (`undefined` deletes a variable), and the tree and manager markers that let escaped descendants be found.
 */
export function childEnv(
  overrides: Record<string, string | undefined> | undefined,
  inherit: boolean,
  treeId: string,
  managerId: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (inherit) {
    for (const key in process.env) {
      const value = process.env[key];
      if (value !== undefined) env[key] = value;
    }
  }
  if (overrides) {
    for (const key in overrides) {
      const value = overrides[key];
      if (value === undefined) delete env[key];
      else env[key] = value;
    }
  }
  env[TREE_ENV] = treeId;
  env[MANAGER_ENV] = managerId;
  return env;
}
