import { describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('screen()', () => {
  it('shows what a person would see: colours and cursor moves applied, not raw bytes', async () => {
    const pm = newManager();
    // Colours, a line overwritten with \r, and an absolute cursor move.
    const p = pm.spawn({
      command: 'printf',
      args: ['\\033[31mred\\033[0m plain\\r\\nprogress 10%%\\rprogress 100%%\\r\\n\\033[5;3Hat row 5'],
      pty: { cols: 40, rows: 8 },
    });
    await p.exited;
    const screen = await p.screen();
    expect(screen.lines).toEqual(['red plain', 'progress 100%', '', '', '  at row 5']);
    expect(screen.cursor).toEqual({ x: 10, y: 4 });
    expect(screen).toMatchObject({ cols: 40, rows: 8, complete: true });
    // The buffer keeps the raw bytes.
    expect(p.output.read().data.toString()).toContain('\x1b[31m');
  });

  it('follows a live interactive shell and its resizes', async () => {
    const pm = newManager({ stop: { graceMs: 100 } });
    const p = pm.spawn({ command: 'bash', args: ['--norc', '--noprofile', '-i'], pty: { cols: 60, rows: 10 }, env: { PS1: 'READY> ' } });
    await waitFor(async () => (await p.screen()).lines.at(-1) === 'READY>', 'the prompt on screen');
    await p.write('echo one; echo two\r');
    const screen = await waitFor(async () => {
      const s = await p.screen();
      return s.lines.includes('two') && s.lines.at(-1) === 'READY>' ? s : undefined;
    }, 'the answer on screen');
    expect(screen.lines.slice(-3)).toEqual(['one', 'two', 'READY>']);
    expect(screen.cursor.x).toBe('READY> '.length);
    p.resize(100, 30);
    expect(await p.screen()).toMatchObject({ cols: 100, rows: 30 });
  });

  it('is NOT_SUPPORTED on a pipe process', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'true' });
    await expect(p.screen()).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
  });
});
