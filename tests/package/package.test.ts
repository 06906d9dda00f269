import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useManager } from '../helpers/use-manager.js';

// `npm test` builds first (pretest); this checks the published shape: the exports map, ESM and CommonJS.
const root = fileURLToPath(new URL('../..', import.meta.url));
const script = (load: string) => `${load}
const pm = new ProcessManager();
const p = pm.spawn({ command: 'echo', args: ['from dist'] });
const t = pm.spawn({ command: 'stty', args: ['size'], pty: { cols: 90, rows: 20 } });
Promise.all([p.exited, t.exited]).then(async ([e, te]) => {
  console.log(e.state + ' ' + p.output.read().data.toString().trim());
  console.log('pty ' + te.state + ' ' + t.output.read().data.toString().trim());
  await pm.shutdown();
});`;

const newManager = useManager();

describe('built package', () => {
  it('has been built', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) expect(existsSync(root + f), f).toBe(true);
  });

  it.each([
    ['require', ['-e', script("const { ProcessManager } = require('procward');")]],
    ['import', ['--input-type=module', '-e', script("import { ProcessManager } from 'procward';")]],
  ])('works from %s by package name', async (_how, args) => {
    const pm = newManager();
    const p = pm.spawn({ command: process.execPath, args: args as string[], cwd: root });
    const exit = await p.exited;
    expect(exit.stderrTail).toBe('');
    expect(exit.state).toBe('completed');
    expect(p.output.read().data.toString()).toBe('completed from dist\npty completed 20 90\n');
  });
});

describe('built package: host death', () => {
  const killer = (load: string) => `${load}
const pm = new ProcessManager();
const p = pm.spawn({ command: 'sleep', args: ['60'] });
p.started.then(() => {
  console.log(p.pid);
  process.kill(process.pid, 'SIGKILL');
});`;

  // The watchdog's program is a function's text: check that the bundled text runs too.
  it.each([
    ['require', ['-e', killer("const { ProcessManager } = require('procward');")]],
    ['import', ['--input-type=module', '-e', killer("import { ProcessManager } from 'procward';")]],
  ])('the watchdog works from %s', async (_how, args) => {
    const { spawn } = await import('node:child_process');
    const { isAlive, waitFor } = await import('../helpers/proc.js');
    const host = spawn(process.execPath, args as string[], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    host.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((r) => host.once('close', r));
    const pid = Number(out.trim());
    expect(pid).toBeGreaterThan(0);
    await waitFor(() => !isAlive(pid), 'the orphaned sleep to be killed');
  });
});
