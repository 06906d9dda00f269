import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ManagedProcess, ProcessManager } from '../../src/index.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();
const dir = mkdtempSync(join(tmpdir(), 'procward-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command on a terminal wide enough for its lines; resolves with its line events and screen rows. */
async function linesAndScreen(pm: ProcessManager, command: string, args: string[]): Promise<{ lines: string[]; screen: string[] }> {
  const p: ManagedProcess = pm.spawn({ command, args, pty: { cols: 200, rows: 40 } });
  const lines: string[] = [];
  p.on('line', (l) => lines.push(l.text));
  await p.exited;
  return { lines, screen: (await p.screen()).lines };
}

describe('line events on a real terminal', () => {
  it('keep the text of CRLF lines (cat of a CRLF file), as the screen shows them', async () => {
    const pm = newManager();
    const file = join(dir, 'crlf.txt');
    writeFileSync(file, 'first line\r\nsecond line\r\n\r\nlast\r\n');
    const { lines, screen } = await linesAndScreen(pm, 'cat', [file]);
    expect(lines).toEqual(['first line', 'second line', '', 'last']);
    expect(screen).toEqual(lines);
  });

  it('show a progress bar, a title and an erase the way the screen does', async () => {
    const pm = newManager();
    const { lines, screen } = await linesAndScreen(pm, 'printf', ['\\033]0;build\\007step 1/3\\rstep 2/3\\rstep 3/3 done\\nab\\rX\\n\\033[31merror\\033[0m: x\\r\\033[Kfixed\\n']);
    expect(lines).toEqual(['step 3/3 done', 'Xb', 'fixed']);
    expect(screen).toEqual(lines);
  });
});
