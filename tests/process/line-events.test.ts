import { describe, expect, it } from 'vitest';
import type { OutputLine } from '../../src/index.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('line events', () => {
  it('split pipe output per stream, before exit, with a last line lacking its newline', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'printf "a\\nb\\r\\n"; printf "err\\n" >&2; printf "tail"'] });
    const lines: OutputLine[] = [];
    let atExit = -1;
    p.on('line', (l) => lines.push(l));
    p.on('exit', () => (atExit = lines.length));
    await p.exited;
    expect(atExit).toBe(4);
    expect(lines.filter((l) => l.stream === 'stdout').map((l) => l.text)).toEqual(['a', 'b', 'tail']);
    expect(lines.filter((l) => l.stream === 'stderr').map((l) => l.text)).toEqual(['err']);
  });

  it('give clean text on a PTY while the buffer keeps the raw bytes', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'printf', args: ['\\033[31m{"ok":true}\\033[0m\\nloading 5%%\\rloading 99%%\\rdone\\n'], pty: true });
    const lines: string[] = [];
    p.on('line', (l) => lines.push(l.text));
    await p.exited;
    // "done" overwrites the start of "loading 99%", as on the screen.
    expect(lines).toEqual(['{"ok":true}', 'doneing 99%']);
    expect(JSON.parse(lines[0]!)).toEqual({ ok: true });
    expect(p.output.read().data.toString()).toContain('\x1b[31m');
  });
});
