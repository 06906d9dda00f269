// Terminal control sequences, as ECMA-48 defines them and terminals emit them. A control string
// ends where a terminal ends it: OSC at BEL or ST; every string at ESC (ST is ESC \), CAN, SUB or
// the 8-bit ST; one left open swallows the rest of the text, as it does on a terminal.
const CONTROL_SEQUENCES = new RegExp(
  [
    '(?:\\x1b\\]|\\x9d)[^\\x07\\x1b\\x18\\x1a\\x9c]*(?:\\x07|\\x1b\\\\|[\\x18\\x1a\\x9c])?', // OSC (titles, hyperlinks)
    '(?:\\x1b[PX^_]|[\\x90\\x98\\x9e\\x9f])[^\\x1b\\x18\\x1a\\x9c]*(?:\\x1b\\\\|[\\x18\\x1a\\x9c])?', // DCS, SOS, PM, APC
    '(?:\\x1b\\[|\\x9b)[0-?]*[ -/]*[@-~]', // CSI: colours, cursor moves, modes
    '\\x1b[()*+][A-Za-z0-9]', // character set designation
    '\\x1b[ -~]', // other two-byte escapes: ESC =, ESC >, ESC 7, ESC M, …
    '\\x07', // BEL
  ].join('|'),
  'g',
);

/** Removes terminal control sequences from text, leaving what would be printed (a carriage return stays). */
export function stripAnsi(text: string): string {
  return /[\x07\x1b\x90-\x9f]/.test(text) ? text.replace(CONTROL_SEQUENCES, '') : text;
}
