// Columns a character takes on the terminal, as the headless emulator behind screen() counts them
// (@xterm/headless's default UnicodeV6, Markus Kuhn's wcwidth): East Asian wide and fullwidth
// characters take two, combining marks and zero-width format characters none, the rest one.
// Emoji take one there, as in wcwidth's Unicode 5 tables.
const ZERO_WIDTH = /^(?:[\p{Mn}\p{Me}]|[\u200B-\u200F\u2028-\u202E\u2060-\u2063\uFEFF])$/u;

/** 0, 1 or 2, for one code point. */
export function charWidth(char: string): 0 | 1 | 2 {
  const c = char.codePointAt(0)!;
  if (c < 0x300) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  if (c < 0x1100) return 1;
  if (
    c <= 0x115f ||
    c === 0x2329 ||
    c === 0x232a ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe10 && c <= 0xfe19) ||
    (c >= 0xfe30 && c <= 0xfe6f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x20000 && c <= 0x2fffd) ||
    (c >= 0x30000 && c <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}
