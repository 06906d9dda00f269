import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/*
 * Why the pane does not run the command itself. When a pane's process exits, tmux 3.3 destroys the
 * pane and throws away whatever that process wrote but tmux had not read yet (server_child_exited;
 * "If the process exits before tmux finishes processing its output, we discard the remaining
 * output", tmux/tmux#506). tmux reads a pane only as fast as its control clients take the output,
 * so a command that prints 64 KiB and exits loses its last few KiB in about half the runs
 * (measured on 3.3a; pipe-pane, which makes tmux check for unread bytes, still loses some).
 *
 * So the pane runs this small Node program (Node is the one runtime sure to be there), which runs
 * the command as its child on the same terminal and reports on the terminal itself, in OSC
 * sequences that tmux swallows (see marker-filter.ts):
 *   pid;<pid>            the command started (procward reports this pid, not the trampoline's)
 *   failed;<errno code>  the command could not be started
 *   exit;<code>;<signal> the command ended: everything it wrote came before this
 * After `exit` it stays, holding the pane open, until procward has read up to the report and ends
 * the session (the terminal hangs up: SIGHUP) or sends SIGUSR2, or at most DRAIN_TIMEOUT_MS when
 * no procward is there; then it ends the way the command did (the same exit code, or the same
 * signal), so that tmux's #{pane_dead_status} and #{pane_dead_signal} tell the truth too.
 *
 * It takes the command's environment from a private file rather than from tmux: `new-session -e`
 * would put every value in a tmux client's argv (readable by anyone through ps), tmux refuses a
 * command line over 16 KiB, and the trampoline itself would run with the command's NODE_OPTIONS.
 * The trampoline runs with tmux's global environment (empty when procward started the server).
 *
 * Signals: it ignores those a terminal or a group signal sends it along with the command (the
 * command gets them itself), and passes on SIGHUP, which a hangup sends to the session leader only.
 */

/**
 * How long the trampoline waits, after the command ends, for procward to say it has read
 * everything. Only reached when no procward follows the session (the host is down); tmux keeps
 * reading the terminal meanwhile, so a later capture() or adopter still sees the complete screen.
 */
export const DRAIN_TIMEOUT_MS = 5_000;

export const TRAMPOLINE_SOURCE = String.raw`'use strict';
const { spawn } = require('child_process');
const { readFileSync, rmSync, writeSync } = require('fs');
const { dirname } = require('path');
const { signals } = require('os').constants;
const [envFile, nonce, term, drainMs, command, ...args] = process.argv.slice(1);
const pause = new Int32Array(new SharedArrayBuffer(4));
function report(text) {
  const b = Buffer.from('\x1b]697;procward;' + nonce + ';' + text + '\x07', 'latin1');
  for (let at = 0, tries = 0; at < b.length; ) {
    try { at += writeSync(1, b, at); }
    catch (e) { if (e.code !== 'EAGAIN' || ++tries > 400) return false; Atomics.wait(pause, 0, 0, 5); }
  }
  return true;
}
let env;
try { env = JSON.parse(readFileSync(envFile, 'utf8')); } finally { rmSync(dirname(envFile), { recursive: true, force: true }); }
env.TERM = term;
for (const k of ['TMUX', 'TMUX_PANE']) if (process.env[k] !== undefined) env[k] = process.env[k];
let child, status, done = false;
const passive = ['SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGUSR1', 'SIGPIPE', 'SIGUSR2', 'SIGHUP'];
function finish() {
  if (done) return;
  done = true;
  const [code, signal] = status;
  if (code !== null) process.exit(code);
  for (const s of passive) process.removeAllListeners(s);
  process.kill(process.pid, signal);
  setTimeout(() => process.exit(128 + (signals[signal] || 0)), 1000);
}
for (const s of passive) process.on(s, () => {
  if (status && (s === 'SIGHUP' || s === 'SIGUSR2')) finish();
  else if (s === 'SIGHUP' && child) child.kill('SIGHUP');
});
function fail(e) { report('failed;' + (e.code || '')); process.exit(127); }
try { child = spawn(command, args, { stdio: 'inherit', env }); } catch (e) { fail(e); }
child.on('error', (e) => { if (child.pid === undefined) fail(e); });
if (child.pid !== undefined) report('pid;' + child.pid);
child.on('exit', (code, signal) => {
  status = [code, signal];
  if (!report('exit;' + (code === null ? '' : code) + ';' + (signal || ''))) return finish();
  setTimeout(finish, Number(drainMs));
});
`;

/** Writes the command's environment where only the trampoline (same user) can read it; it deletes the directory. */
export function writeEnvFile(env: Record<string, string>): { file: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'procward-tmux-'));
  const file = join(dir, 'env.json');
  writeFileSync(file, JSON.stringify(env), { mode: 0o600 });
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The pane's command line: the trampoline and, after it, the command as separate arguments. */
export function trampolineArgv(o: { envFile: string; nonce: string; term: string; command: string; args: string[] }): string[] {
  return [process.execPath, '-e', TRAMPOLINE_SOURCE, '--', o.envFile, o.nonce, o.term, String(DRAIN_TIMEOUT_MS), o.command, ...o.args];
}
