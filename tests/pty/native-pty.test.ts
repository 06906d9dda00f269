import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readAddonShape, usageParameters } from '../../src/pty/addon-shape.js';
import { loadNativePty } from '../../src/pty/native-pty.js';
import { PLATFORM_PACKAGE, PTY_INSTALL_COMMAND, SUPPORTED_PTY_VERSION } from '../../src/pty/pty-package.js';
import { isProcwardError } from '../../src/index.js';

/** An addon whose functions answer a no-argument call the way node-pty's do: with their usage. */
const addonSaying = (fork: string, resize: string) => ({
  fork: () => {
    throw new Error(`Usage: pty.fork(${fork})`);
  },
  resize: () => {
    throw new Error(`Usage: pty.resize(${resize})`);
  },
});
const FORK = 'file, args, env, cwd, cols, rows, uid, gid, utf8, helperPath, onexit';

describe('the addon shape', () => {
  it.each([
    ['node-pty 1.1 (resize without pixels)', addonSaying(FORK, 'fd, cols, rows'), { resizeTakesPixels: false }],
    ['node-pty 1.2 (resize with pixels)', addonSaying(FORK, 'fd, cols, rows, xPixel, yPixel'), { resizeTakesPixels: true }],
  ])('is read from the usage errors: %s', (_name, addon, shape) => {
    expect(readAddonShape(addon)).toEqual(shape);
  });

  it.each([
    ['a fork with another signature', addonSaying('file, args, env, cwd, cols, rows, uid, gid, utf8, onexit', 'fd, cols, rows'), /fork\(\) takes \(file, args/],
    ['a resize with another signature', addonSaying(FORK, 'fd, size'), /resize\(\) takes \(fd, size\)/],
    ['no resize at all', { fork: addonSaying(FORK, '').fork }, /resize\(\) takes \(unknown\)/],
    ['functions that do not throw a usage error', { fork: () => 1, resize: () => 1 }, /fork\(\) takes \(unknown\)/],
  ])('refuses %s', (_name, addon, problem) => {
    const shape = readAddonShape(addon as Record<string, unknown>);
    expect('problem' in shape && shape.problem).toMatch(problem);
  });

  it('reads only usage errors of the function probed', () => {
    expect(usageParameters(new Error('Usage: pty.open(cols, rows)'), 'fork')).toBeUndefined();
    expect(usageParameters('Usage: pty.fork(a)', 'fork')).toBeUndefined();
    expect(usageParameters(new Error('Usage: pty.fork(a, b)'), 'fork')).toBe('a, b');
  });

  it('of the installed addon is the one driven, with the pixel-size resize', () => {
    const { native, version } = loadNativePty();
    expect(version).toBe(SUPPORTED_PTY_VERSION);
    expect(typeof native.fork).toBe('function');
    expect(typeof native.resize).toBe('function');
  });
});

describe('loading the addon', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** A project whose node_modules holds a real copy of @lydell/node-pty but not its platform package. */
  function projectWithoutBinary(): string {
    const dir = mkdtempSync(join(tmpdir(), 'procward-nopty-'));
    dirs.push(dir);
    const main = dirname(createRequire(import.meta.url).resolve('@lydell/node-pty'));
    cpSync(main, join(dir, 'node_modules/@lydell/node-pty'), { recursive: true });
    return pathToFileURL(join(dir, 'index.js')).href;
  }

  it('without the platform package is PTY_UNAVAILABLE (not-installed), naming the package and the install command', () => {
    const from = projectWithoutBinary();
    let error: unknown;
    try {
      loadNativePty('p1', from);
    } catch (err) {
      error = err;
    }
    expect(isProcwardError(error, 'PTY_UNAVAILABLE')).toBe(true);
    expect(error).toMatchObject({ reason: 'not-installed', packageName: PLATFORM_PACKAGE, found: undefined, supported: SUPPORTED_PTY_VERSION, processId: 'p1' });
    expect((error as Error).message).toContain(PLATFORM_PACKAGE);
    expect((error as Error).message).toContain(PTY_INSTALL_COMMAND);
  });

  it('without the package at all is PTY_UNAVAILABLE too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'procward-nopty-'));
    dirs.push(dir);
    expect(() => loadNativePty(undefined, pathToFileURL(join(dir, 'index.js')).href)).toThrow(expect.objectContaining({ code: 'PTY_UNAVAILABLE', reason: 'not-installed' }));
  });
});
