import { closeSync, constants, openSync, unlinkSync } from 'node:fs';

// No O_TRUNC and O_NOFOLLOW: an empty marker needs no content, and a symlink planted at its name
// (to a file of the host's, say) must not be truncated or created through. O_NONBLOCK: a FIFO
// there fails at once (ENXIO) instead of blocking until a reader comes.
const TOUCH_FLAGS = constants.O_WRONLY | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Creates an empty marker file at `path`, replacing (never following) a symlink or FIFO found there. Throws fs errors. */
export function touchMarker(path: string): void {
  try {
    closeSync(openSync(path, TOUCH_FLAGS, 0o644));
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ELOOP' && code !== 'ENXIO') throw err;
  }
  unlinkSync(path);
  closeSync(openSync(path, TOUCH_FLAGS | constants.O_EXCL, 0o644));
}
