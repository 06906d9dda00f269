import { randomBytes } from 'node:crypto';
import { basename, resolve } from 'node:path';
import type { ChildEvents } from '../spawn/child-handle.js';
import { preflightSpawn } from '../spawn/preflight.js';
import { SUBSCRIBE } from './control-client.js';
import { IDS_FORMAT, firstChildPid, parsePaneIds } from './pane-ids.js';
import { trampolineArgv, writeEnvFile } from './trampoline.js';
import { checkName, checkSize, commandSequence, literalFormat } from './tmux-argv.js';
import type { TmuxChildHandle } from './tmux-handle.js';
import { TmuxPane } from './tmux-pane.js';
import { DEFAULT_SOCKET, findTmux, runTmux, versionProblem } from './tmux-runner.js';

export interface TmuxSpawnOptions {
  command: string;
  args: string[];
  cwd: string;
  /** The command's whole environment: it sees exactly this, plus TERM, TMUX and TMUX_PANE. */
  env: Record<string, string>;
  cols: number;
  rows: number;
  /**
   * TERM for the command. The terminal it talks to is tmux's: 'tmux-256color' (or
   * 'screen-256color' where that terminfo entry is missing) describes it exactly; 'xterm-256color'
   * works for most programs.
   */
  name: string;
  /** The tmux session to create, and what a person attaches to: `tmux -L <socket> attach -t <session>`. Letters, digits, "_" and "-". */
  session: string;
  /**
   * The tmux server's socket name (`tmux -L`): its own server, so a person's default server and
   * ~/.tmux.conf are not involved.
   * @default 'procward'
   */
  socket?: string;
}

/**
 * Runs a command in a detached tmux session that a person can attach to
 * (`tmux -L procward attach -t <session>`) while procward drives it: output, input, size, exit.
 * Throws INVALID_OPTIONS for a session or socket name tmux would not take literally; a missing
 * command, cwd or tmux is reported through `on.spawnFailed`.
 *
 * @example
 * const h = spawnTmuxChild({ command: 'bash', args: ['-i'], cwd: '/tmp', env: { PATH: process.env.PATH! },
 *   cols: 120, rows: 40, name: 'tmux-256color', session: 'build-1' }, events);
 * h.input.write('make\r');
 */
export function spawnTmuxChild(o: TmuxSpawnOptions, on: ChildEvents): TmuxChildHandle {
  const socket = checkName(o.socket ?? DEFAULT_SOCKET, 'socket');
  const session = checkName(o.session, 'session');
  const size = checkSize(o.cols, o.rows);
  const tmux = findTmux();
  const nonce = randomBytes(8).toString('hex');
  const pane = new TmuxPane({ tmux: tmux ?? 'tmux', socket, session, size, nonce, label: o.command, on });
  // Checked here, as for a pseudo-terminal: inside tmux a failed exec would only be text on the screen.
  const problem = preflightSpawn(o.command, o.cwd, o.env) ?? (tmux ? undefined : tmuxMissing());
  if (problem) queueMicrotask(() => pane.failBeforeStart(problem));
  // start() reports its own failures; one it did not foresee (a spawn of tmux throwing) fails the pane too.
  else start(pane, tmux!, o, session, size, nonce).catch((err: unknown) => pane.failBeforeStart(err as NodeJS.ErrnoException));
  return pane;
}

async function start(pane: TmuxPane, tmux: string, o: TmuxSpawnOptions, session: string, size: { cols: number; rows: number }, nonce: string): Promise<void> {
  const tooOld = await versionProblem(tmux);
  if (tooOld) return pane.failBeforeStart(Object.assign(new Error(tooOld), { code: 'ENOTSUP' }));
  let envFile: ReturnType<typeof writeEnvFile>;
  try {
    envFile = writeEnvFile(o.env);
  } catch (err) {
    return pane.failBeforeStart(err as NodeJS.ErrnoException);
  }
  const target = `=${session}:`;
  const command = trampolineArgv({ envFile: envFile.file, nonce, term: o.name, command: o.command, args: o.args });
  // One control client creates the session and is attached to it from the first byte of output.
  // The options are set in the same command sequence, before tmux's event loop runs again: the
  // pane cannot have ended (and been discarded without remain-on-exit) in between.
  pane.begin(
    commandSequence(
      // NODE_OPTIONS emptied for the trampoline, should the server have been started with one
      // (by someone else: procward starts it with an empty environment); the command's own
      // environment comes from the file, untouched.
      [
        'new-session',
        '-s',
        session,
        '-n',
        literalFormat(basename(o.command)),
        '-x',
        String(size.cols),
        '-y',
        String(size.rows),
        '-c',
        literalFormat(resolve(o.cwd)),
        '-e',
        'NODE_OPTIONS=',
        '-P',
        '-F',
        IDS_FORMAT,
        '--',
        ...command,
      ],
      ['set-option', '-t', target, '@procward-nonce', nonce],
      ['set-option', '-F', '-t', target, '@procward-pane', '#{pane_id}'],
      // The exit status stays readable after the pane's process ends, for an adopter.
      ['set-option', '-w', '-t', target, 'remain-on-exit', 'on'],
      // The size is procward's (resize()), not that of whoever attaches.
      ['set-option', '-w', '-t', target, 'window-size', 'manual'],
      SUBSCRIBE,
    ),
    envFile.remove,
  );
}

function tmuxMissing(): NodeJS.ErrnoException {
  const message = 'tmux is not installed (no "tmux" on PATH). Install tmux 3.2 or newer (apt install tmux, brew install tmux) to use the tmux backend.';
  return Object.assign(new Error(message), { code: 'ENOENT', path: 'tmux', syscall: 'spawn tmux' });
}

/**
 * Follows a session that already runs (after a host restart, say): output from now on, input,
 * resize, and its exit (also one that happened while nobody followed: tmux kept the status).
 * Resolves undefined if there is no such session (or no tmux); `on.spawned` is called before it
 * resolves. Output written while no one followed is not replayed; capture() shows the screen.
 *
 * @example
 * const h = await adoptTmuxSession('build-1', undefined, events);
 */
export async function adoptTmuxSession(session: string, socket: string | undefined, on: ChildEvents): Promise<TmuxChildHandle | undefined> {
  const name = checkName(session, 'session');
  const sock = checkName(socket ?? DEFAULT_SOCKET, 'socket');
  const tmux = findTmux();
  if (!tmux) return undefined;
  const marks = await runTmux(tmux, sock, ['display-message', '-p', '-t', `=${name}:`, '#{@procward-pane}|#{@procward-nonce}|#{@procward-pid}']).catch(() => undefined);
  if (marks === undefined) return undefined;
  const [paneMark = '', nonce = '', pidMark = ''] = marks.trimEnd().split('|');
  // The pane procward started, even if a person has split the window since; else the active one.
  const target = /^%\d+$/.test(paneMark) ? paneMark : `=${name}:`;
  const info = await runTmux(tmux, sock, ['display-message', '-p', '-t', target, `${IDS_FORMAT} #{window_width} #{window_height}`]).catch(() => undefined);
  const ids = parsePaneIds(info);
  if (!ids) return undefined;
  // Without a nonce it is not procward's session: no trampoline, the pane's process is the command.
  const pid = /^\d+$/.test(pidMark) ? Number(pidMark) : nonce ? firstChildPid(ids.panePid) : ids.panePid;
  const size = { cols: ids.cols ?? 80, rows: ids.rows ?? 24 };
  const pane = new TmuxPane({ tmux, socket: sock, session: name, size, nonce: nonce || undefined, label: name, on });
  return (await pane.adopt(ids, pid)) ? pane : undefined;
}
