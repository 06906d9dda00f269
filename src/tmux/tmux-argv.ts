import { InvalidOptionsError } from '../errors/procward-error.js';
import { TMUX_NAME } from '../options/values.js';

/*
 * Every tmux invocation in this folder is an argv array given to execFile or spawn, never a shell
 * string. tmux still reads meaning into that argv in two places, and both are closed here:
 *
 * - An argument that ends in ";" ends the command and starts another (cmd_parse_from_arguments in
 *   tmux's cmd-parse.y), so the arguments `sleep 'x;' kill-server` run kill-server. tmux takes a
 *   trailing "\;" as a literal ";".
 * - A few option values are expanded as formats, and a format can run a shell command: `#(…)`.
 *   new-session expands -s (session name), -n (window name) and -c (start directory); "##" stands
 *   for a literal "#". -e values and the command after `--` are not expanded.
 */

/** One argument, passed through tmux's command splitting unchanged. */
export function literalArgument(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** Text for an option tmux expands as a format, so that tmux takes it literally. */
export function literalFormat(text: string): string {
  return text.replaceAll('#', '##');
}

/** Several tmux commands as one argv: every argument literal, the commands joined by tmux's ";". */
export function commandSequence(...commands: readonly (readonly string[])[]): string[] {
  const argv: string[] = [];
  for (const command of commands) {
    if (argv.length > 0) argv.push(';');
    for (const arg of command) argv.push(literalArgument(arg));
  }
  return argv;
}

/** Returns `name` if tmux will take it literally as a session or socket name; throws INVALID_OPTIONS otherwise. */
export function checkName(name: unknown, option: 'session' | 'socket'): string {
  if (typeof name === 'string' && TMUX_NAME.test(name)) return name;
  throw new InvalidOptionsError('tmux options', [
    {
      path: option,
      message: `Expected 1 to 100 letters, digits, "_" or "-" (tmux gives ".", ":", "#", "$", "=", "@", "%" and "/" meanings of their own), got ${JSON.stringify(name)}`,
    },
  ]);
}

/** Returns the terminal size if both are whole numbers tmux accepts; throws INVALID_OPTIONS otherwise. */
export function checkSize(cols: unknown, rows: unknown): { cols: number; rows: number } {
  const bad = (v: unknown) => typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 10_000;
  if (!bad(cols) && !bad(rows)) return { cols: cols as number, rows: rows as number };
  throw new InvalidOptionsError('tmux options', [{ path: bad(cols) ? 'cols' : 'rows', message: `Expected a whole number from 1 to 10000, got ${JSON.stringify(bad(cols) ? cols : rows)}` }]);
}
