import { MANAGER_ENV, TREE_ENV } from '../tree/process-tree.js';

/**
 * Variables that describe the terminal the host runs in, not the one a PTY child gets: inherited,
 * they mislead it (COLUMNS=999 from the host makes `tput cols` say 999 on an 80-column terminal;
 * TMUX and STY make it believe it runs inside the host's tmux or screen session, WINDOWID in its X
 * window). A terminal child does not inherit them; a caller may still set them in `env`.
 */
export const HOST_TERMINAL_VARS: ReadonlySet<string> = new Set(['COLUMNS', 'LINES', 'TERMCAP', 'TMUX', 'TMUX_PANE', 'STY', 'WINDOWID']);

/**
 * The child's environment: the host's (unless inheritEnv is false; for a terminal child without
 * the host's terminal variables), the caller's overrides (`undefined` deletes a variable), and the
 * tree and manager markers that let escaped descendants be found.
 */
export function childEnv(overrides: Record<string, string | undefined> | undefined, inherit: boolean, treeId: string, managerId: string, terminal = false): Record<string, string> {
  const env: Record<string, string> = {};
  if (inherit) {
    // Object.keys, not for-in: on process.env (an object backed by the C environment) for-in asks
    // the environment once more per key whether it is enumerable, which nearly doubles the cost.
    const host = process.env;
    for (const key of Object.keys(host)) {
      const value = host[key];
      if (value !== undefined && !(terminal && HOST_TERMINAL_VARS.has(key))) env[key] = value;
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
