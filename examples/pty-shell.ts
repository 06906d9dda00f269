/**
 * Drives an interactive shell on a pseudo-terminal from the host: types commands, reads the
 * screen as a person would see it, resizes the terminal, interrupts a job with Ctrl-C, and stops
 * the shell with its whole tree. Run with `npx tsx examples/pty-shell.ts`.
 */
import { ProcessManager, type ManagedProcess } from '../src/index.js';

const pm = new ProcessManager();
const shell = pm.spawn({
  label: 'shell',
  command: 'bash',
  args: ['--norc', '--noprofile', '-i'],
  env: { PS1: '$ ' },
  pty: { cols: 60, rows: 12 },
});

/** Waits until the screen satisfies `done` (polling the emulator, with a deadline). */
async function screenUntil(p: ManagedProcess, done: (lines: string[]) => boolean, what: string): Promise<string[]> {
  const deadline = performance.now() + 30_000; // generous: the example also runs inside a loaded test suite
  for (;;) {
    const { lines } = await p.screen();
    if (done(lines)) return lines;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const promptShown = (lines: string[]) => lines.at(-1) === '$';
function show(title: string, lines: string[]) {
  console.log(`\n── ${title} ${'─'.repeat(Math.max(0, 50 - title.length))}`);
  for (const l of lines) console.log(`│ ${l}`);
}

await screenUntil(shell, promptShown, 'the prompt');

await shell.write('echo "hello from $(tty)"; stty size\r');
show('after two commands', await screenUntil(shell, (l) => l.some((x) => /^\d+ \d+$/.test(x)) && promptShown(l), 'the answers'));

shell.resize(100, 20);
await shell.write('clear; stty size\r');
show('after resize to 100x20', await screenUntil(shell, (l) => l.includes('20 100') && promptShown(l), 'the new size'));

await shell.write('sleep 30; echo "not printed"\r');
await screenUntil(shell, (l) => l.at(-1)?.includes('sleep 30') === true, 'the command line');
await shell.write('\x03'); // Ctrl-C interrupts the foreground job, not the shell
show('after Ctrl-C', await screenUntil(shell, (l) => l.at(-1) === '$' && l.some((x) => x.includes('^C')), 'the interrupted job'));

await shell.write('sleep 300 & echo "background job $!"\r');
await screenUntil(shell, (l) => l.some((x) => x.startsWith('background job')) && promptShown(l), 'the background job');

// A terminal's default stop begins as closing it would: SIGHUP, which ends bash -i and its jobs at once.
const exit = await shell.stop();
console.log(`\nstopped: state ${exit.state}, signal ${exit.signal}, ${shell.output.end} bytes of raw output kept`);
await pm.shutdown();
