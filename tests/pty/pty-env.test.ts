import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProcessManager, SpawnOptions } from '../../src/index.js';
import { tmuxTestSocket } from '../helpers/tmux.js';
import { useManager } from '../helpers/use-manager.js';

const SOCKET = tmuxTestSocket('env-test');
const newManager = useManager();

/** Runs a command to its end and returns its output, with the terminal's \r\n made \n. */
async function outputOf(pm: ProcessManager, options: SpawnOptions): Promise<string> {
  const p = pm.spawn(options);
  const exit = await p.exited;
  expect(exit.state, p.output.read().data.toString()).toBe('completed');
  return p.output.read().data.toString().replace(/\r\n/g, '\n');
}

const BACKENDS = [
  ['node-pty', true],
  ['tmux', { backend: 'tmux', socket: SOCKET }],
] as const;

describe.each(BACKENDS)('the environment of a terminal child (%s)', (_name, pty) => {
  // The host's own terminal, as a developer's shell inside tmux on a wide window would describe it.
  const HOST = { TERM: 'screen', COLUMNS: '999', LINES: '99', TERMCAP: 'xx|fake:co#999:', TMUX: '/tmp/tmux-0/default,1,0', TMUX_PANE: '%7', STY: '1.pts-0.host', WINDOWID: '4242' };
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const [k, v] of Object.entries(HOST)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("does not inherit the host's terminal variables: tput sees the terminal it runs on", async () => {
    const pm = newManager();
    const script = 'echo "cols $(tput cols) lines $(tput lines)"; for v in COLUMNS LINES TERMCAP STY WINDOWID; do printenv $v && echo "leaked $v"; done; echo "TMUX=${TMUX:-none}"; true';
    const out = await outputOf(pm, { command: 'sh', args: ['-c', script], pty: typeof pty === 'object' ? { ...pty, cols: 80, rows: 24 } : { cols: 80, rows: 24 } });
    expect(out).toContain('cols 80 lines 24\n');
    expect(out).not.toContain('leaked');
    // tmux sets TMUX for its own session; on node-pty there is none.
    expect(out).not.toContain(`TMUX=${HOST.TMUX}`);
    if (pty === true) expect(out).toContain('TMUX=none\n');
  });

  it('takes them from the caller’s env when it sets them', async () => {
    const pm = newManager();
    const out = await outputOf(pm, { command: 'sh', args: ['-c', 'echo "$COLUMNS $LINES $(tput cols)"'], env: { COLUMNS: '120', LINES: '50' }, pty });
    expect(out).toBe('120 50 120\n');
  });

  it.each([
    ['no pty.name and no env.TERM: xterm-256color, not the host’s TERM', {}, undefined, 'xterm-256color'],
    ['env.TERM', { TERM: 'vt100' }, undefined, 'vt100'],
    ['pty.name over env.TERM', { TERM: 'vt100' }, 'xterm', 'xterm'],
  ])('TERM: %s', async (_what, env, name, expected) => {
    const pm = newManager();
    const terminal = typeof pty === 'object' ? { ...pty, ...(name ? { name } : {}) } : name ? { name } : true;
    const out = await outputOf(pm, { command: 'sh', args: ['-c', 'printenv TERM'], env, pty: terminal });
    expect(out).toBe(`${expected}\n`);
  });
});

describe('the environment of a pipe child', () => {
  it('still inherits COLUMNS and LINES (no terminal of its own to describe)', async () => {
    process.env.COLUMNS = '999';
    try {
      const pm = newManager();
      expect(await outputOf(pm, { command: 'sh', args: ['-c', 'echo $COLUMNS'] })).toBe('999\n');
    } finally {
      delete process.env.COLUMNS;
    }
  });
});
