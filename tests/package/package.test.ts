import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
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

// Something from each subpath, and one check across entries: readSpool (procward/spool) throws the
// ProcwardError class of the root entry, since shared code is one chunk per format.
const SUBPATHS = {
  require: `const { ProcwardError, isProcwardError } = require('procward');
const { claudeAdapter, parseClaudeLine, parseCodexLine } = require('procward/agents');
const { parseJsonLines, stripAnsi, terminalLine } = require('procward/parsers');
const { readSpool } = require('procward/spool');
const { createChannel, createServer, ClientMessageSchema, PROTOCOL_VERSION } = require('procward/server');
const { connect } = require('procward/client');`,
  import: `import { ProcwardError, isProcwardError } from 'procward';
import { claudeAdapter, parseClaudeLine, parseCodexLine } from 'procward/agents';
import { parseJsonLines, stripAnsi, terminalLine } from 'procward/parsers';
import { readSpool } from 'procward/spool';
import { createChannel, createServer, ClientMessageSchema, PROTOCOL_VERSION } from 'procward/server';
import { connect } from 'procward/client';`,
};
const useSubpaths = (load: string) => `${load}
const out = {};
out.argv = claudeAdapter.args({ prompt: '-x', cwd: '/w', model: 'sonnet', resume: undefined, partialMessages: true, extraArgs: [] }).join(' ');
out.codex = parseCodexLine({ type: 'thread.started', thread_id: 't1' });
out.claude = parseClaudeLine({ type: 'telemetry_v9' }).kind;
out.text = [stripAnsi('\\x1b[1mbold\\x1b[0m'), terminalLine('ab\\rX')];
out.server = [typeof createChannel === typeof createServer, ClientMessageSchema.safeParse({ type: 'auth', v: PROTOCOL_VERSION }).success, typeof connect];
try {
  readSpool('/nonexistent/procward-spool');
} catch (e) {
  out.spool = { sameClass: e instanceof ProcwardError, narrowed: isProcwardError(e, 'NOT_FOUND') };
}
(async () => {
  const items = [];
  const chunks = (async function* () { yield '{"a":1}\\nnot json\\n{"b"'; yield ':2}\\n'; })();
  for await (const item of parseJsonLines(chunks)) items.push(item.kind + ':' + item.line);
  out.jsonl = items;
  console.log(JSON.stringify(out));
})();`;

describe('built package: subpaths', () => {
  it.each([
    ['require', ['-e', useSubpaths(SUBPATHS.require)]],
    ['import', ['--input-type=module', '-e', useSubpaths(SUBPATHS.import)]],
  ])('procward/agents, procward/parsers, procward/spool, procward/server and procward/client work from %s by package name', async (_how, args) => {
    const pm = newManager();
    const p = pm.spawn({ command: process.execPath, args: args as string[], cwd: root });
    const exit = await p.exited;
    expect(exit.stderrTail).toBe('');
    expect(exit.state).toBe('completed');
    expect(JSON.parse(p.output.read().data.toString())).toEqual({
      argv: '-p --output-format stream-json --verbose --model sonnet --include-partial-messages -- -x',
      codex: { kind: 'known', message: { type: 'thread.started', thread_id: 't1' } },
      claude: 'unknown',
      text: ['bold', 'Xb'],
      server: [true, true, 'function'],
      spool: { sameClass: true, narrowed: true },
      jsonl: ['value:1', 'invalid:2', 'value:3'],
    });
  });

  it('an error from the CommonJS copy is recognised by the ESM one through its brand, not instanceof', async () => {
    const pm = newManager();
    const script = `import { createRequire } from 'node:module';
import { ProcwardError, isProcwardError } from 'procward';
const { readSpool } = createRequire(import.meta.url)('procward/spool');
try { readSpool('/nonexistent/procward-spool'); } catch (e) {
  console.log(JSON.stringify({ instanceOf: e instanceof ProcwardError, brand: isProcwardError(e, 'NOT_FOUND') }));
}`;
    const p = pm.spawn({ command: process.execPath, args: ['--input-type=module', '-e', script], cwd: root });
    const exit = await p.exited;
    expect(exit.stderrTail).toBe('');
    expect(JSON.parse(p.output.read().data.toString())).toEqual({ instanceOf: false, brand: true });
  });
});

describe('built package: procward/client', () => {
  it('loads nothing of Node, in either format, so that a browser or a renderer can bundle it', () => {
    for (const entry of ['client.js', 'client.cjs']) {
      const seen = new Set<string>();
      const bare = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const code = readFileSync(root + 'dist/' + file, 'utf8');
        for (const [, spec] of code.matchAll(/(?:from\s*|require\()\s*["']([^"']+)["']/g)) {
          if (spec!.startsWith('./')) visit(spec!.slice(2));
          else bare.add(spec!);
        }
      };
      visit(entry);
      const node = [...bare].filter((s) => s.startsWith('node:') || builtinModules.includes(s));
      expect(node, entry).toEqual([]);
      expect([...bare].sort(), entry).toEqual(['eventemitter3', 'zod']);
    }
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
