/**
 * The shape of node-pty's native addon, read from the addon itself: each function checks its
 * arguments first and, called with none, throws `Usage: pty.<name>(<parameters>)` without doing
 * anything. node-pty 1.2 added two pixel parameters to resize(); calling it the 1.1 way throws that
 * usage error at the first resize of a live terminal, so the shape is checked once, at load.
 */
const FORK_PARAMETERS = 'file, args, env, cwd, cols, rows, uid, gid, utf8, helperPath, onexit';
const RESIZE_PARAMETERS = ['fd, cols, rows', 'fd, cols, rows, xPixel, yPixel'];

export interface AddonShape {
  /** Whether resize() takes the pixel size too (node-pty ≥ 1.2). */
  resizeTakesPixels: boolean;
}

/** The parameters a usage error names, or undefined when `error` is not one for `name`. */
export function usageParameters(error: unknown, name: string): string | undefined {
  const message = error instanceof Error ? error.message : undefined;
  const match = message === undefined ? null : /^Usage: pty\.(\w+)\((.*)\)$/.exec(message);
  return match && match[1] === name ? match[2] : undefined;
}

/** Calls `fn` with no arguments and returns what its usage error says it takes. */
function probe(addon: Record<string, unknown>, name: string): string | undefined {
  const fn = addon[name];
  if (typeof fn !== 'function') return undefined;
  try {
    fn.call(addon);
  } catch (err) {
    return usageParameters(err, name);
  }
  return undefined;
}

/**
 * The shape of `addon`, or a description of how it differs from what is driven here.
 * @example readAddonShape(require('./pty.node')) // { resizeTakesPixels: true }
 */
export function readAddonShape(addon: Record<string, unknown>): AddonShape | { problem: string } {
  const fork = probe(addon, 'fork');
  if (fork !== FORK_PARAMETERS) return { problem: `its fork() takes (${fork ?? 'unknown'}), expected (${FORK_PARAMETERS})` };
  const resize = probe(addon, 'resize');
  if (resize === undefined || !RESIZE_PARAMETERS.includes(resize)) {
    return { problem: `its resize() takes (${resize ?? 'unknown'}), expected (${RESIZE_PARAMETERS.join(') or (')})` };
  }
  return { resizeTakesPixels: resize === RESIZE_PARAMETERS[1] };
}
