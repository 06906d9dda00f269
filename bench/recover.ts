/**
 * Figure 9: pm.recover() of a big ledger (10 000 and 20 000 entries, half ended, half unfinished
 * without endedAt — lost: a pid that cannot exist, or still queued) against the floor of any
 * reader of that file: readFileSync + JSON.parse of the same bytes. Each round writes the ledger
 * afresh (recover() rewrites it) and uses a fresh manager; rounds alternate between the two sides.
 * The ratio of medians is the figure, the worst round beside it (the machine has slow stretches);
 * for 20 000 entries also the longest event-loop block during recover() (it yields between
 * batches, so this is about the file's read and parse, done in one block).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProcessManager } from './lib/library.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, round, worstOf } from './lib/stats.js';

const SIZES = [10_000, 20_000];
const REPS = 7;
// PID_MAX_LIMIT: pids are always below it, so an unfinished entry with it is gone.
const NEVER_A_PID = 4_194_304;

function ledgerText(n: number): string {
  const managerId = randomUUID();
  const processes = Array.from({ length: n }, (_, i) => {
    const id = randomUUID();
    const ended = i % 2 === 0;
    const running = i % 4 === 1;
    return {
      id,
      managerId,
      ...(running ? { pid: NEVER_A_PID, startTicks: 7 } : {}),
      command: 'node',
      args: ['worker.js', `--task=${i}`],
      cwd: '/srv/app',
      label: `task ${i}`,
      type: 'command',
      scope: { kind: 'job', id: `job-${i % 100}` },
      metadata: { attempt: 1, tags: ['batch'] },
      persist: false,
      state: ended ? 'completed' : running ? 'running' : 'queued',
      createdAt: 1_700_000_000_000 + i,
      startedAt: ended || running ? 1_700_000_000_000 + i : null,
      endedAt: ended ? 1_700_000_000_100 + i : null,
      exit: ended ? { code: 0, signal: null, reason: 'exit' } : null,
      spoolDir: `/var/lib/app/state/spool/${id}`,
    };
  });
  return JSON.stringify({ format: 'procward-ledger', version: 1, managerId, hostPid: 1, updatedAt: 0, processes }, null, 1);
}

async function measure(n: number): Promise<Row[]> {
  const text = ledgerText(n);
  const dir = mkdtempSync(join(tmpdir(), 'procward-bench-recover-'));
  const path = join(dir, 'ledger.json');
  const blocks: number[] = [];
  try {
    const raw = async () => {
      writeFileSync(path, text);
      const t0 = performance.now();
      const parsed = JSON.parse(readFileSync(path, 'utf8')) as { processes: unknown[] };
      const ms = performance.now() - t0;
      if (parsed.processes.length !== n) throw new Error(`JSON.parse found ${parsed.processes.length} entries`);
      return ms;
    };
    const procward = async () => {
      rmSync(join(dir, 'spool'), { recursive: true, force: true });
      writeFileSync(path, text);
      const pm = new ProcessManager({ stateDir: dir, retainExited: 100 });
      // The longest gap between two turns of the event loop while recover() runs.
      let last = performance.now();
      let longest = 0;
      let on = true;
      const tick = () => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
        if (on) setImmediate(tick);
      };
      const t0 = performance.now();
      setImmediate(tick);
      const report = await pm.recover();
      const ms = performance.now() - t0;
      on = false;
      // The stretch since the last turn counts too (all of it, for a recover() that never yields).
      blocks.push(Math.max(longest, performance.now() - last));
      await pm.shutdown();
      if (report.exited.length + report.lost.length !== n) throw new Error(`recover() settled ${report.exited.length + report.lost.length} of ${n} entries`);
      return ms;
    };
    const rounds = await alternate(REPS, raw, procward);
    const rawMs = median(rounds.raw);
    const pwMs = median(rounds.procward);
    const ratios = rounds.procward.map((p, i) => p / rounds.raw[i]!);
    const label = `${n.toLocaleString('en-US').replace(',', ' ')} entries`;
    // alternate()'s warm-up round pushed a block too: only the measured rounds count.
    const measured = blocks.slice(1);
    const rounded = (w: { raw: number; procward: number }) => ({ raw: round(w.raw, 1), procward: round(w.procward, 1) });
    const rows = [
      row({
        figure: `recover() of ${label} (${(text.length / 1e6).toFixed(1)} MB) vs readFileSync + JSON.parse of it`,
        unit: 'ms',
        raw: round(rawMs, 1),
        procward: round(pwMs, 1),
        compare: 'ratio',
        target: '≤ 15x',
        pass: pwMs <= 15 * rawMs,
        worst: rounded(worstOf(rounds, 'lower')),
        detail: { rawSamples: rounds.raw.map((x) => round(x, 1)), procwardSamples: rounds.procward.map((x) => round(x, 1)), ratios: ratios.map((x) => round(x, 2)) },
      }),
    ];
    if (n === SIZES.at(-1)) {
      rows.push(
        row({
          figure: `  longest event-loop block during that recover() vs the JSON.parse`,
          unit: 'ms',
          raw: round(rawMs, 1),
          procward: round(median(measured), 1),
          compare: 'ratio',
          target: 'info',
          pass: null,
          worst: rounded(worstOf({ raw: rounds.raw, procward: measured }, 'lower')),
          detail: { blocks: measured.map((x) => round(x, 1)) },
        }),
      );
    }
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchRecover(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of SIZES) rows.push(...(await measure(n)));
  return rows;
}
