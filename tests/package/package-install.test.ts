import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessManager } from '../../src/index.js';
import { PLATFORM_PACKAGE, PTY_INSTALL_COMMAND, PTY_PACKAGE, SUPPORTED_PTY_VERSION } from '../../src/pty/pty-package.js';

// A user's `npm install procward` on a machine with no C toolchain: the packed tarball is installed
// into a fresh project with a PATH that holds node, npm, a shell and a few basic tools, and no cc,
// gcc, g++, make or python3 (what node-gyp needs). Dependencies come from the npm cache or the
// registry; without a registry the test is skipped, saying so.
const root = fileURLToPath(new URL('../..', import.meta.url));
const TOOLS = ['node', 'sh', 'env', 'echo', 'stty', 'cat', 'ls', 'rm', 'mkdir'];
const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'make', 'python3', 'python'];
// Each npm step is bounded: a hang is a failure, not a stuck suite.
const NPM_TIMEOUT_MS = 240_000;

let pm: ProcessManager;
let work: string;
let project: string;
let bin: string;
let registry: string | undefined; // why the registry cannot be used, if it cannot

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const file = join(dir, name);
    if (dir && existsSync(file)) return file;
  }
  return undefined;
}

/** Runs a command to its end under the manager (so it is stopped and never left behind) and returns its output. */
async function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const p = pm.spawn({ command, args, cwd, env, inheritEnv: false, timeoutMs: NPM_TIMEOUT_MS, output: { maxBytes: 4 * 1024 * 1024 } });
  const exit = await p.exited;
  return { exit, out: p.output.read().data.toString() };
}

/** The environment of a user's shell on that machine: no compiler reachable, the real npm cache. */
const userEnv = (): Record<string, string> => ({
  PATH: bin,
  HOME: process.env.HOME ?? work,
  npm_config_cache: join(process.env.HOME ?? work, '.npm'),
  npm_config_update_notifier: 'false',
  npm_config_fund: 'false',
  npm_config_audit: 'false',
  PROCWARD_TEST_RUN: process.env.PROCWARD_TEST_RUN ?? '',
});

const PROBE = `
import { ProcessManager } from 'procward';
const pm = new ProcessManager();
const pipe = pm.spawn({ command: 'echo', args: ['from pipes'] });
const term = pm.spawn({ command: 'stty', args: ['size'], pty: { cols: 90, rows: 20 } });
const errors = [];
term.on('error', (e) => errors.push(e.code));
const started = await term.started.then(() => 'started', (e) => ({ code: e.code, reason: e.reason, message: e.message }));
const [pe, te] = await Promise.all([pipe.exited, term.exited]);
console.log(JSON.stringify({
  pipe: { state: pe.state, out: pipe.output.read().data.toString() },
  pty: { state: te.state, reason: te.reason, error: te.error, out: term.output.read().data.toString(), started, errors },
}));
await pm.shutdown();
`;

async function probe() {
  const { exit, out } = await run('node', ['--input-type=module', '-e', PROBE], project, userEnv());
  expect(exit.stderrTail).toBe('');
  expect(exit.state).toBe('completed');
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

beforeAll(
  async () => {
    pm = new ProcessManager();
    work = mkdtempSync(join(tmpdir(), 'procward-install-'));
    bin = join(work, 'bin');
    project = join(work, 'project');
    mkdirSync(bin);
    mkdirSync(project);
    for (const tool of TOOLS) symlinkSync(which(tool) ?? `/bin/${tool}`, join(bin, tool));
    // npm's own script, resolved: its shebang finds node on the PATH above.
    symlinkSync(realpathSync(which('npm')!), join(bin, 'npm'));

    const view = await run('npm', ['view', `${PTY_PACKAGE}@${SUPPORTED_PTY_VERSION}`, 'version'], work, userEnv());
    if (view.exit.code !== 0) {
      registry = `npm view ${PTY_PACKAGE} failed (${view.out.trim().split('\n').at(-1) ?? ''}): no registry to install from`;
      return;
    }
    expect(existsSync(join(root, 'dist/index.js')), 'dist/ is built (npm test builds it first)').toBe(true);
    const pack = await run('npm', ['pack', '--pack-destination', work, '--json'], root, { ...userEnv(), PATH: `${bin}:${process.env.PATH}` });
    expect(pack.exit.state).toBe('completed');
    const tarball = join(work, (JSON.parse(pack.out) as { filename: string }[])[0]!.filename);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true, type: 'module' }));
    const install = await run('npm', ['install', tarball, '--no-audit', '--no-fund', '--prefer-offline'], project, userEnv());
    expect(install.exit.state, install.out).toBe('completed');
  },
  NPM_TIMEOUT_MS * 2 + 30_000,
);

afterAll(async () => {
  await pm?.shutdown();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm install procward on a machine without a compiler', () => {
  it('has no compiler on its PATH', ({ skip }) => {
    if (registry) skip(registry);
    for (const tool of COMPILERS) expect(existsSync(join(bin, tool)), tool).toBe(false);
  });

  it('installs the prebuilt terminal binary and runs a process on pipes and one on a terminal', async ({ skip }) => {
    if (registry) skip(registry);
    expect(existsSync(join(project, 'node_modules', PLATFORM_PACKAGE))).toBe(true);
    expect(existsSync(join(project, 'node_modules/node-pty'))).toBe(false);
    const result = await probe();
    expect(result.pipe).toEqual({ state: 'completed', out: 'from pipes\n' });
    expect(result.pty).toMatchObject({ state: 'completed', out: '20 90\r\n', started: 'started', errors: [] });
  }, 60_000);

  it('without the platform binary: pipes still work and pty: true fails to start with PTY_UNAVAILABLE', async ({ skip }) => {
    if (registry) skip(registry);
    rmSync(join(project, 'node_modules', PLATFORM_PACKAGE), { recursive: true, force: true });
    const { pipe, pty } = await probe();
    expect(pipe).toEqual({ state: 'completed', out: 'from pipes\n' });
    expect(pty).toMatchObject({ state: 'failed', reason: 'spawn-error', out: '', errors: ['PTY_UNAVAILABLE'], error: { code: 'PTY_UNAVAILABLE' } });
    expect(pty.started).toMatchObject({ code: 'PTY_UNAVAILABLE', reason: 'not-installed' });
    expect(pty.started.message).toContain(PTY_INSTALL_COMMAND);
  }, 60_000);

  it(
    'with another version of the package (an override): refused, naming the version found and the one supported',
    async ({ skip }) => {
      if (registry) skip(registry);
      const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
      writeFileSync(join(project, 'package.json'), JSON.stringify({ ...pkg, overrides: { [PTY_PACKAGE]: '1.1.0' } }));
      const install = await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], project, userEnv());
      expect(install.exit.state, install.out).toBe('completed');
      const { pipe, pty } = await probe();
      expect(pipe.state).toBe('completed');
      expect(pty).toMatchObject({ state: 'failed', errors: ['PTY_UNAVAILABLE'] });
      expect(pty.started).toMatchObject({ code: 'PTY_UNAVAILABLE', reason: 'unsupported-version' });
      expect(pty.started.message).toContain(`${PLATFORM_PACKAGE} 1.1.0`);
      expect(pty.started.message).toContain(`supports ${SUPPORTED_PTY_VERSION}`);
    },
    NPM_TIMEOUT_MS + 60_000,
  );
});
