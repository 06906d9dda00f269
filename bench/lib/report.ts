/** One line of the summary, the table printed at the end and the JSON written next to it. */

export interface Row {
  figure: string;
  unit: string;
  raw: number;
  procward: number;
  /** How the two are compared: procward/raw, or procward − raw. */
  compare: 'ratio' | 'diff';
  value: number;
  target: string;
  /** null: informative, no target. */
  pass: boolean | null;
  /**
   * The worst round of each side (the longest time, the lowest rate), so a stall that the median
   * hides is on the table too.
   */
  worst?: { raw: number; procward: number };
  detail?: Record<string, unknown>;
}

export function row(r: Omit<Row, 'value'>): Row {
  const value = r.compare === 'ratio' ? r.procward / r.raw : r.procward - r.raw;
  return { ...r, value };
}

function num(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return n.toFixed(0);
  if (a >= 100) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toFixed(3);
}

export function formatTable(rows: readonly Row[]): string {
  const head = ['figure', 'raw', 'procward', 'ratio / diff', 'worst raw / procward', 'target', 'result'];
  const body = rows.map((r) => [
    r.figure,
    `${num(r.raw)} ${r.unit}`,
    `${num(r.procward)} ${r.unit}`,
    r.compare === 'ratio' ? `${r.value.toFixed(3)}x` : `${r.value >= 0 ? '+' : ''}${num(r.value)} ${r.unit}`,
    r.worst ? `${num(r.worst.raw)} / ${num(r.worst.procward)}` : '-',
    r.target,
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
