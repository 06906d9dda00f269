import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The pseudo-terminal package procward drives: node-pty as @lydell/node-pty publishes it, one
 * prebuilt binary per platform in an optional package of its own and no install script, so that
 * `npm install procward` needs no compiler (node-pty 1.1.0 ships no Linux prebuild and builds with
 * node-gyp). 1.2.0-beta.15 is the version tested: its forked child marks every inherited
 * descriptor above 2 close-on-exec before exec (node-pty#867), so a terminal child never inherits
 * another terminal's master; 1.1.0 does not.
 */
export const PTY_PACKAGE = '@lydell/node-pty';
export const SUPPORTED_PTY_VERSION = '1.2.0-beta.15';
export const PTY_INSTALL_COMMAND = `npm install ${PTY_PACKAGE}@${SUPPORTED_PTY_VERSION}`;

/** The package holding the binary for this host, e.g. @lydell/node-pty-linux-x64. */
export const PLATFORM_PACKAGE = `${PTY_PACKAGE}-${process.platform}-${process.arch}`;

export interface PtyPackage {
  /** Directory of the platform package. */
  root: string;
  version: string;
}

/**
 * Finds the platform package the way @lydell/node-pty's own index.js does (resolved from that
 * package, so it works under strict layouts such as pnpm's), without running it: its index loads
 * the binary at once, and a binary of the wrong version must be refused before it is loaded.
 * Returns undefined when either package is missing.
 */
export function locatePtyPackage(from: string): PtyPackage | undefined {
  let main: string;
  try {
    main = createRequire(from).resolve(PTY_PACKAGE);
  } catch {
    return undefined;
  }
  const fromMain = createRequire(main);
  let entry: string | undefined;
  // 1.2 platform packages export only their lib/index.js; 1.1 ones have no entry but expose package.json.
  for (const request of [PLATFORM_PACKAGE, `${PLATFORM_PACKAGE}/package.json`]) {
    try {
      entry = fromMain.resolve(request);
      break;
    } catch {
      /* try the next form */
    }
  }
  if (!entry) return undefined;
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === PLATFORM_PACKAGE) return { root: dir, version: String(pkg.version) };
  }
  return undefined;
}

/** Where node-pty's loadNativeModule looks for pty.node, relative to the package root, in its order. */
export function addonDirs(root: string): string[] {
  return ['build/Release', 'build/Debug', `prebuilds/${process.platform}-${process.arch}`].map((d) => join(root, d));
}
