import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

/** The part of node-pty's native addon used here (node-pty 1.x, src/unix/pty.cc). */
export interface NativePty {
  fork(
    file: string,
    args: string[],
    env: string[],
    cwd: string,
    cols: number,
    rows: number,
    uid: number,
    gid: number,
    utf8: boolean,
    helperPath: string,
    onExit: (code: number, signal: number) => void,
  ): { fd: number; pid: number; pty: string };
  resize(fd: number, cols: number, rows: number): void;
}

let loaded: { native: NativePty; helperPath: string } | undefined;

/**
 * node-pty's native addon, loaded the way node-pty loads it. The addon is used directly rather
 * than through node-pty's UnixTerminal because that class owns the master fd's reader and, when the
 * child exits, gives it 200 ms (DESTROY_SOCKET_TIMEOUT_MS) before destroying it: a host whose event
 * loop is busy for that long loses the end of the output. Here the reader is ours and the end of
 * output is the terminal's EIO, with a bounded drain decided by the process's own policy.
 */
export function nativePty(): { native: NativePty; helperPath: string } {
  if (loaded) return loaded;
  const require = createRequire(import.meta.url);
  const libDir = dirname(require.resolve('node-pty'));
  const utils = require(resolve(libDir, 'utils.js')) as { loadNativeModule(name: string): { dir: string; module: NativePty } };
  const { dir, module } = utils.loadNativeModule('pty');
  loaded = { native: module, helperPath: resolve(libDir, dir, 'spawn-helper') };
  return loaded;
}
