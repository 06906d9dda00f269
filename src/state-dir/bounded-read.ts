import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';

// O_NOFOLLOW: a symbolic link at the path fails the open (ELOOP) instead of being followed (to
// /dev/zero, say). O_NONBLOCK: a FIFO that slipped in between lstat and open opens at once
// instead of blocking the host until a writer comes. Both are 0 where the platform lacks them.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

// Further reads of a file that grew after fstat.
const READ_CHUNK = 64 * 1024;

export type BoundedRead = { data: Buffer } | { missing: true } | { problem: string; cause?: unknown };

export interface BoundedReadOptions {
  /** Bytes the file may hold; a larger one is refused without being read. */
  maxBytes: number;
  /** The uid the file must belong to (undefined: any owner, or a platform without uids). */
  uid?: number;
}

/** The uid files in stateDir must belong to: this process's (undefined on Windows, which has none). */
export function ownUid(): number | undefined {
  return typeof process.getuid === 'function' ? process.getuid() : undefined;
}

/**
 * Reads a file that procward wrote itself and will interpret, refusing everything else: anything
 * that is not a regular file (a FIFO would block the host forever, a symlink to /dev/zero would
 * be read until memory runs out, a directory), a file above `maxBytes`, a file of another owner.
 * lstat first, so nothing but a regular file is even opened (opening a device can have effects of
 * its own); then fstat of the opened fd, so a swap between the two is caught too. Never throws.
 */
export function readBounded(path: string, options: BoundedReadOptions): BoundedRead {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    return { problem: (err as Error).message, cause: err };
  }
  const before = refusal(st, options);
  if (before) return { problem: before };
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { missing: true };
    if (code === 'ELOOP') return { problem: 'it is a symbolic link (replaced while it was being opened)', cause: err };
    return { problem: (err as Error).message, cause: err };
  }
  try {
    const opened = fstatSync(fd);
    const now = refusal(opened, options);
    if (now) return { problem: now };
    // One byte past the size in the first read, so that an unchanged file is read in one call;
    // never more than one byte past the cap, so that a file growing under us is caught, not read.
    const limit = options.maxBytes + 1;
    let want = Math.min(opened.size + 1, limit);
    const parts: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const buffer = Buffer.allocUnsafe(Math.max(1, Math.min(want, limit - total)));
      const n = readSync(fd, buffer, 0, buffer.length, total);
      if (n === 0) break;
      parts.push(n === buffer.length ? buffer : buffer.subarray(0, n));
      total += n;
      want = READ_CHUNK;
    }
    if (total > options.maxBytes) return { problem: `it grew past the cap of ${options.maxBytes} bytes while it was read` };
    return { data: parts.length === 1 ? parts[0]! : Buffer.concat(parts, total) };
  } catch (err) {
    return { problem: (err as Error).message, cause: err };
  } finally {
    closeSync(fd);
  }
}

function refusal(st: Stats, options: BoundedReadOptions): string | undefined {
  if (!st.isFile()) return `it is ${kindOf(st)}, not a regular file`;
  if (options.uid !== undefined && st.uid !== options.uid) return `it belongs to uid ${st.uid}, not to this process's uid ${options.uid}`;
  if (st.size > options.maxBytes) return `it is ${st.size} bytes, above the cap of ${options.maxBytes}`;
  return undefined;
}

function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'something else';
}
