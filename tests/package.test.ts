import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessManager } from '../src/index.js';

// `npm test` builds first (pretest); this checks the published shape: the exports map, ESM and CommonJS.
const root = fileURLToPath(new URL('..', import.meta.url));
const script = (load: string) => `${load}
const pm = new ProcessManager();
const p = pm.spawn({ command: 'echo', args: ['from dist'] });
const t = pm.spawn({ command: 'stty', args: ['size'], pty: { cols: 90, rows: 20 } });
Promise.all([p.exited, t.exited]).then(async ([e, te]) => {
  console.log(e.state + ' ' + p.output.read().data.toString().trim());
  console.log('pty ' + te.state + ' ' + t.output.read().data.toString().trim());
  await pm.shutdown();
});`;

let pm: ProcessManager;
afterEach(async () => {
  await pm?.shutdown();
});

describe('built package', () => {
  it('has been built', () => {
    for (const f of ['dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts']) expect(existsSync(root + f), f).toBe(true);
  });

  it.each([
    ['require', ['-e', script("const { ProcessManager } = require('procward');")]],
    ['import', ['--input-type=module', '-e', script("import { ProcessManager } from 'procward';")]],
  ])('works from %s by package name', async (_how, args) => {
    pm = new ProcessManager();
    const p = pm.spawn({ command: process.execPath, args: args as string[], cwd: root });
    const exit = await p.exited;
    expect(exit.stderrTail).toBe('');
    expect(exit.state).toBe('completed');
    expect(p.output.read().data.toString()).toBe('completed from dist\npty completed 20 90\n');
  });
});
