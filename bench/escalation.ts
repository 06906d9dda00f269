/**
 * Figure 3: stop latency.
 * (a) A child ignoring SIGTERM, stopped with a 200 ms grace: time from stop() to its promise
 *     resolving, minus the grace, is the overshoot. Raw: SIGTERM, setTimeout(200), SIGKILL, 'exit'.
 * (b) A cooperative child (`sleep 30`): raw SIGTERM → 'close' vs procward stop() → resolved.
 */
import { join } from 'node:path';
import { ProcessManager, type ManagedProcess } from './lib/library.js';
import { closed, exited, FIXTURES, rawSpawn } from './lib/children.js';
import { row, type Row } from './lib/report.js';
import { alternate, median, round, worstOf } from './lib/stats.js';

const GRACE_MS = 200;
const REPS = 15;

/** Children that ignore SIGTERM and print "ready" once they do: a Node fixture and a bash loop. */
const IGNORERS = {
  'node ignore-term.mjs': [process.execPath, [join(FIXTURES, 'ignore-term.mjs')]],
  'bash trap loop': ['bash', ['-c', 'trap "" TERM; echo ready; while :; do sleep 0.05; done']],
} as const satisfies Record<string, readonly [string, readonly string[]]>;
type Ignorer = keyof typeof IGNORERS;

function firstOutput(stream: NodeJS.ReadableStream, needle: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const on = (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(needle)) {
        stream.off('data', on);
        resolve();
      }
    };
    stream.on('data', on);
  });
}

function pwOutput(p: ManagedProcess, needle: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    const on = (c: { data: Buffer }) => {
      seen += c.data.toString();
      if (seen.includes(needle)) {
        p.off('output', on);
        resolve();
      }
    };
    p.on('output', on);
  });
}

async function rawIgnoring(which: Ignorer): Promise<number> {
  const [command, args] = IGNORERS[which];
  const child = rawSpawn(command, [...args]);
  child.stdout!.resume();
  child.stderr!.resume();
  await firstOutput(child.stdout!, 'ready');
  const gone = exited(child);
  const t0 = performance.now();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), GRACE_MS);
  const { signal } = await gone;
  const ms = performance.now() - t0;
  clearTimeout(timer);
  if (signal !== 'SIGKILL') throw new Error(`raw ${which} ended by ${signal}`);
  return ms - GRACE_MS;
}

async function pwIgnoring(pm: ProcessManager, which: Ignorer): Promise<number> {
  const [command, args] = IGNORERS[which];
  const p = pm.spawn({ command, args: [...args] });
  await pwOutput(p, 'ready');
  const t0 = performance.now();
  const exit = await p.stop({ graceMs: GRACE_MS });
  const ms = performance.now() - t0;
  if (exit.signal !== 'SIGKILL' || exit.state !== 'stopped') throw new Error(`procward ${which} ended ${exit.state} by ${exit.signal}`);
  return ms - GRACE_MS;
}

async function rawCooperative(): Promise<number> {
  const child = rawSpawn('sleep', ['30']);
  await new Promise((resolve) => child.once('spawn', resolve));
  const done = closed(child);
  const t0 = performance.now();
  child.kill('SIGTERM');
  const { signal } = await done;
  const ms = performance.now() - t0;
  if (signal !== 'SIGTERM') throw new Error(`raw sleep ended by ${signal}`);
  return ms;
}

async function pwCooperative(pm: ProcessManager): Promise<number> {
  const p = pm.spawn({ command: 'sleep', args: ['30'] });
  await p.started;
  const t0 = performance.now();
  const exit = await p.stop();
  const ms = performance.now() - t0;
  if (exit.signal !== 'SIGTERM' || exit.state !== 'stopped') throw new Error(`procward sleep ended ${exit.state} by ${exit.signal}`);
  return ms;
}

export async function benchEscalation(): Promise<Row[]> {
  const pm = new ProcessManager({ retainExited: 0 });
  try {
    const rows: Row[] = [];
    for (const which of Object.keys(IGNORERS) as Ignorer[]) {
      const a = await alternate(
        REPS,
        () => rawIgnoring(which),
        () => pwIgnoring(pm, which),
      );
      const overshoot = median(a.procward);
      rows.push(
        row({
          figure: `3a overshoot past ${GRACE_MS} ms grace, ${which}`,
          unit: 'ms',
          raw: median(a.raw),
          procward: overshoot,
          compare: 'diff',
          target: 'procward <= 3 ms',
          pass: overshoot <= 3,
          worst: worstOf(a, 'lower'),
          detail: { samplesRaw: a.raw.map((x) => round(x, 3)), samplesProcward: a.procward.map((x) => round(x, 3)) },
        }),
      );
    }
    const b = await alternate(REPS, rawCooperative, () => pwCooperative(pm));
    return [
      ...rows,
      row({
        figure: '3b cooperative stop (sleep 30, SIGTERM)',
        unit: 'ms',
        raw: median(b.raw),
        procward: median(b.procward),
        compare: 'diff',
        target: 'diff <= +0.5 ms',
        pass: median(b.procward) - median(b.raw) <= 0.5,
        worst: worstOf(b, 'lower'),
        detail: { samplesRaw: b.raw.map((x) => round(x, 3)), samplesProcward: b.procward.map((x) => round(x, 3)) },
      }),
    ];
  } finally {
    await pm.shutdown();
  }
}
