import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';
import { shieldStdio } from '../internal/inheritable-fds.js';

/**
 * The tmux server procward uses unless told otherwise: a socket of its own, so a person's default
 * server, its sessions and its configuration are left alone.
 * @default 'procward'
 */
export const DEFAULT_SOCKET = 'procward';

// The oldest tmux with what this backend relies on: new-session -f, refresh-client -B subscriptions.
const MIN_VERSION = [3, 2] as const;

// tmux's output here is small (one screen, one format line); this only bounds a broken server.
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

/** Where tmux is on the host's PATH, or undefined. */
export function findTmux(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const file = join(dir, 'tmux');
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/**
 * The environment of every tmux client started here: nothing of the host's but where tmux keeps its
 * sockets. A client that starts the server hands the server its environment, which becomes tmux's
 * global environment; the command gets its own environment from the trampoline instead.
 */
export function tmuxEnv(): Record<string, string> {
  return process.env.TMUX_TMPDIR ? { TMUX_TMPDIR: process.env.TMUX_TMPDIR } : {};
}

/**
 * The arguments that come before any command: the socket; no configuration file, so that a
 * person's ~/.tmux.conf (hooks, default-command, remain-on-exit…) cannot change what procward
 * sees (it is read only when the server starts); UTF-8 output whatever the host's locale.
 */
export function baseArgs(socket: string): string[] {
  return ['-L', socket, '-f', '/dev/null', '-u'];
}

/** An error from a tmux command, with what tmux printed on stderr. */
export type TmuxError = Error & { code: 'ETMUX'; stderr: string };

/**
 * Runs one tmux client to its end: its stdout, its stderr, and an error when it could not be run,
 * failed, or replied more than MAX_REPLY_BYTES. (Not execFile: that takes no stdio, and a client
 * that starts the server hands it its descriptors; see internal/inheritable-fds.ts.)
 */
function execClient(file: string, args: string[]): Promise<{ stdout: string; stderr: string; error: Error | undefined }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: tmuxEnv(), stdio: shieldStdio(['ignore', 'pipe', 'pipe']), windowsHide: true });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let error: Error | undefined;
    child.stdout!.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes <= MAX_REPLY_BYTES) return void out.push(d);
      error ??= new Error(`reply longer than ${MAX_REPLY_BYTES} bytes`);
      child.kill();
    });
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += d.toString();
    });
    child.on('error', (err) => (error ??= err));
    child.on('close', (code, signal) => {
      if (!error && (code !== 0 || signal)) error = new Error(`${file} ${args.join(' ')} ended with ${signal ?? `code ${code}`}`);
      resolve({ stdout: Buffer.concat(out).toString(), stderr, error });
    });
  });
}

/** Runs one tmux client (argv only, no shell) and resolves with its stdout. */
export async function runTmux(tmux: string, socket: string, argv: string[]): Promise<string> {
  const { stdout, stderr, error } = await execClient(tmux, [...baseArgs(socket), ...argv]);
  if (!error) return stdout;
  const detail = stderr.trim() || error.message;
  throw Object.assign(new Error(`tmux ${argv[0]} failed: ${detail}`, { cause: error }), { code: 'ETMUX' as const, stderr: detail });
}

const versionChecks = new Map<string, Promise<string | undefined>>();

/** Why this tmux cannot be used (too old), or undefined. Asked once per binary. */
export function versionProblem(tmux: string): Promise<string | undefined> {
  let check = versionChecks.get(tmux);
  if (!check) {
    check = execClient(tmux, ['-V']).then(({ stdout, error }) => {
      if (error) return `"${tmux} -V" failed (${error.message}); is tmux installed correctly?`;
      // "tmux 3.3a", "tmux next-3.5", "tmux master": a build without a number is taken as new.
      const m = /(\d+)\.(\d+)/.exec(stdout);
      const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [Infinity, 0];
      const old = major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]);
      return old ? `tmux ${MIN_VERSION.join('.')} or newer is needed, ${tmux} is "${stdout.trim()}"` : undefined;
    });
    versionChecks.set(tmux, check);
  }
  return check;
}
