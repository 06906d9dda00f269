import { charWidth } from './char-width.js';

// The second column of a wide character: it shows nothing of its own.
const WIDE_TAIL = '';

/**
 * One terminal row being written: cells and a cursor, with a terminal's semantics (a carriage
 * return moves the cursor, later characters overwrite, erasing blanks cells). Unlike a screen row
 * it has no width: a logical line longer than the terminal is one row here.
 */
export class LineCells {
  /** undefined: never written or erased (a blank the row's end trims). */
  #cells: (string | undefined)[] = [];
  col = 0;
  #saved = 0;

  get length(): number {
    return this.#cells.length;
  }

  write(char: string): void {
    const width = charWidth(char);
    if (width === 0) {
      // A combining mark joins the character before the cursor.
      let at = this.col - 1;
      while (at > 0 && this.#cells[at] === WIDE_TAIL) at--;
      if (at >= 0 && this.#cells[at] !== undefined) this.#cells[at] += char;
      return;
    }
    this.#clearHalves(this.col);
    if (width === 2) this.#clearHalves(this.col + 1);
    this.#cells[this.col++] = char;
    if (width === 2) this.#cells[this.col++] = WIDE_TAIL;
  }

  /** Overwriting one half of a wide character blanks the other half, as terminals do. */
  #clearHalves(at: number): void {
    const cells = this.#cells;
    if (cells[at] === WIDE_TAIL && at > 0) cells[at - 1] = undefined;
    if (cells[at + 1] === WIDE_TAIL) cells[at + 1] = undefined;
    if (cells[at] === WIDE_TAIL) cells[at] = undefined;
  }

  carriageReturn(): void {
    this.col = 0;
  }

  /** Backspace and CSI D: left, never past the first column. */
  left(n: number): void {
    this.col = Math.max(0, this.col - n);
  }

  /** CSI C: right, over cells left as they are. */
  right(n: number): void {
    this.col += n;
  }

  tab(): void {
    this.col = (Math.floor(this.col / 8) + 1) * 8;
  }

  column(n: number): void {
    this.col = Math.max(0, n);
  }

  saveCursor(): void {
    this.#saved = this.col;
  }

  restoreCursor(): void {
    this.col = this.#saved;
  }

  /** CSI K: 0 from the cursor to the end, 1 from the start through the cursor, 2 the whole row. */
  eraseInLine(mode: number): void {
    const cells = this.#cells;
    if (mode === 0) cells.length = Math.min(cells.length, this.col);
    else if (mode === 1) this.#blank(0, this.col + 1);
    else if (mode === 2) cells.length = 0;
  }

  /** CSI X: blanks n cells from the cursor, which stays. */
  eraseChars(n: number): void {
    this.#blank(this.col, this.col + n);
  }

  /** CSI P: removes n cells at the cursor; the rest moves left. */
  deleteChars(n: number): void {
    this.#clearHalves(this.col);
    this.#cells.splice(this.col, n);
  }

  /** CSI @: inserts n blank cells at the cursor; the rest moves right. */
  insertBlanks(n: number): void {
    if (this.col >= this.#cells.length) return;
    this.#clearHalves(this.col);
    this.#cells.splice(this.col, 0, ...new Array<undefined>(n).fill(undefined));
  }

  #blank(from: number, to: number): void {
    const end = Math.min(to, this.#cells.length);
    for (let i = Math.max(0, from); i < end; i++) this.#cells[i] = undefined;
    if (from > 0 && this.#cells[from] === WIDE_TAIL) this.#cells[from - 1] = undefined;
    if (this.#cells[end] === WIDE_TAIL) this.#cells[end] = undefined;
  }

  /** The row's text: blanks inside it as spaces, blanks at its end left out; then an empty row again. */
  take(): string {
    const cells = this.#cells;
    let end = cells.length;
    while (end > 0 && cells[end - 1] === undefined) end--;
    let text = '';
    for (let i = 0; i < end; i++) text += cells[i] ?? ' ';
    this.#cells = [];
    this.col = 0;
    this.#saved = 0;
    return text;
  }
}
