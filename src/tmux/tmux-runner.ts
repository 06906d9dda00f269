import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

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

/** Runs one tmux client (argv only, no shell) and resolves with its stdout. */
export function runTmux(tmux: string, socket: string, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(tmux, [...baseArgs(socket), ...argv], { env: tmuxEnv(), maxBuffer: MAX_REPLY_BYTES, windowsHide: true }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const detail = stderr.trim() || err.message;
      reject(Object.assign(new Error(`tmux ${argv[0]} failed: ${detail}`, { cause: err }), { code: 'ETMUX' as const, stderr: detail }));
    });
  });
}

const versionChecks = new Map<string, Promise<string | undefined>>();

/** Why this tmux cannot be used (too old), or undefined. Asked once per binary. */
export function versionProblem(tmux: string): Promise<string | undefined> {
  let check = versionChecks.get(tmux);
  if (!check) {
    check = new Promise((resolve) => {
      execFile(tmux, ['-V'], { env: tmuxEnv(), windowsHide: true }, (err, stdout) => {
        if (err) return resolve(`"${tmux} -V" failed (${err.message}); is tmux installed correctly?`);
        // "tmux 3.3a", "tmux next-3.5", "tmux master": a build without a number is taken as new.
        const m = /(\d+)\.(\d+)/.exec(stdout);
        const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [Infinity, 0];
        const old = major < MIN_VERSION[0] || (major === MIN_VERSION[0] && minor < MIN_VERSION[1]);
        resolve(old ? `tmux ${MIN_VERSION.join('.')} or newer is needed, ${tmux} is "${stdout.trim()}"` : undefined);
      });
    });
    versionChecks.set(tmux, check);
  }
  return check;
}
