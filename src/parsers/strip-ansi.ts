// Terminal control sequences, as ECMA-48 defines them and terminals emit them.
const CONTROL_SEQUENCES = new RegExp(
  [
    '\\x1b\\][^\\x07\\x1b]*(?:\\x07|\\x1b\\\\)?', // OSC (titles, hyperlinks) ended by BEL or ST
    '\\x1b[PX^_][^\\x1b]*(?:\\x1b\\\\)?', // DCS, SOS, PM, APC ended by ST
    '(?:\\x1b\\[|\\x9b)[0-?]*[ -/]*[@-~]', // CSI: colours, cursor moves, modes
    '\\x1b[()*+][A-Za-z0-9]', // character set designation
    '\\x1b[ -~]', // other two-byte escapes: ESC =, ESC >, ESC 7, ESC M, …
    '\\x07', // BEL
  ].join('|'),
  'g',
);

/** Removes terminal control sequences from text, leaving what would be printed. */
export function stripAnsi(text: string): string {
  return text.includes('\x1b') || text.includes('\x9b') || text.includes('\x07') ? text.replace(CONTROL_SEQUENCES, '') : text;
}

/**
 * One terminal line as a reader would take it: control sequences removed, and a carriage return
 * inside the line (a progress bar redrawing itself) keeps only what was written after it.
 */
export function terminalLine(raw: string): string {
  let line = stripAnsi(raw);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  const cr = line.lastIndexOf('\r');
  return cr >= 0 ? line.slice(cr + 1) : line;
}
