import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PtyUnavailableError, type PtyUnavailableReason } from '../errors/pty-unavailable-error.js';
import { readAddonShape } from './addon-shape.js';
import { addonDirs, locatePtyPackage, PLATFORM_PACKAGE, PTY_INSTALL_COMMAND, SUPPORTED_PTY_VERSION } from './pty-package.js';

/** The part of node-pty's native addon used here (src/unix/pty.cc), with resize() made version-neutral. */
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

interface RawAddon {
  fork: NativePty['fork'];
  resize(fd: number, cols: number, rows: number, xPixel?: number, yPixel?: number): void;
}

export interface LoadedPty {
  native: NativePty;
  /** The spawn helper node-pty execs on macOS (unused on Linux, where the addon forks itself). */
  helperPath: string;
  version: string;
}

let loaded: LoadedPty | undefined;

/**
 * node-pty's native addon, loaded on the first terminal spawn (processes on pipes never load it).
 * The addon is used directly rather than through node-pty's UnixTerminal because that class owns
 * the master fd's reader and, when the child exits, gives it 200 ms (DESTROY_SOCKET_TIMEOUT_MS)
 * before destroying it: a host whose event loop is busy for that long loses the end of the output.
 * Here the reader is ours and the end of output is the terminal's EIO, with a bounded drain decided
 * by the process's own policy.
 *
 * Throws PtyUnavailableError (never anything else) when there is no addon this code can drive.
 * Failures are not cached: installing the package lets the next spawn succeed.
 * `from` is where the package is resolved from (procward's own location).
 */
export function loadNativePty(processId?: string, from: string = import.meta.url): LoadedPty {
  if (loaded && from === import.meta.url) return loaded;
  const fail = (reason: PtyUnavailableReason, detail: string, found?: string, cause?: unknown) =>
    new PtyUnavailableError(reason, detail, { packageName: PLATFORM_PACKAGE, found, supported: SUPPORTED_PTY_VERSION, install: PTY_INSTALL_COMMAND }, { cause, processId });

  const pkg = locatePtyPackage(from);
  if (!pkg) throw fail('not-installed', `${PLATFORM_PACKAGE} (the node-pty binary for ${process.platform}-${process.arch}) is not installed`);
  if (pkg.version !== SUPPORTED_PTY_VERSION) {
    throw fail('unsupported-version', `found ${PLATFORM_PACKAGE} ${pkg.version} at ${pkg.root}, procward supports ${SUPPORTED_PTY_VERSION} only`, pkg.version);
  }
  const dir = addonDirs(pkg.root).find((d) => existsSync(join(d, 'pty.node')));
  if (!dir) throw fail('not-installed', `${PLATFORM_PACKAGE} ${pkg.version} at ${pkg.root} holds no pty.node`, pkg.version);
  let addon: RawAddon;
  try {
    addon = createRequire(from)(join(dir, 'pty.node')) as RawAddon;
  } catch (err) {
    throw fail('load-failed', `${join(dir, 'pty.node')} (${pkg.version}) does not load: ${(err as Error).message}`, pkg.version, err);
  }
  const shape = readAddonShape(addon as unknown as Record<string, unknown>);
  if ('problem' in shape) throw fail('unexpected-shape', `the addon of ${PLATFORM_PACKAGE} ${pkg.version} is not the one procward drives: ${shape.problem}`, pkg.version);

  const native: NativePty = {
    fork: addon.fork.bind(addon),
    resize: shape.resizeTakesPixels ? (fd, cols, rows) => addon.resize(fd, cols, rows, 0, 0) : (fd, cols, rows) => addon.resize(fd, cols, rows),
  };
  const result = { native, helperPath: join(dir, 'spawn-helper'), version: pkg.version };
  if (from === import.meta.url) loaded = result;
  return result;
}
