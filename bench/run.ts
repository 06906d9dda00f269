/**
 * procward benchmark suite: `npm run bench` (or `npm run bench -- throughput memory` for a subset).
 * Every figure is measured against raw node:child_process (bare node-pty for the PTY figures, a
 * hand-written line splitter for the JSON Lines ones) doing the same job in the same process and run; repetitions alternate between the two sides and medians
 * are reported. Each section runs in a fresh Node process (bench/section.ts). Prints a summary table
 * and writes bench/results.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { formatTable, type Row } from './lib/report.js';

const NAMES = ['throughput', 'spawn-rate', 'escalation', 'memory', 'event-loop', 'pty', 'jsonl', 'metrics', 'recover', 'scale'];
const SECTION = fileURLToPath(new URL('./section.ts', import.meta.url));
const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

interface SectionResult {
  rows: Row[];
  error: string | null;
  leftovers: { pid: number; comm: string }[];
  ms: number;
}

let current: ChildProcess | undefined;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    // The section process kills its own children on exit.
    current?.kill('SIGTERM');
    process.exit(130);
  });
}

function runSection(name: string): Promise<SectionResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', SECTION, name], { stdio: ['ignore', 'pipe', 'inherit'] });
    current = child;
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('close', (code, signal) => {
      current = undefined;
      const last = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as SectionResult);
      } catch {
        resolve({ rows: [], error: `section process ended (code ${code}, signal ${signal}) without a result:\n${out}`, leftovers: [], ms: 0 });
      }
    });
  });
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !NAMES.includes(w));
  if (unknown.length > 0) throw new Error(`unknown section(s) ${unknown.join(', ')}; choose from ${NAMES.join(', ')}`);
  const names = wanted.length > 0 ? NAMES.filter((n) => wanted.includes(n)) : NAMES;

  const t0 = performance.now();
  const rows: Row[] = [];
  const sections: Record<string, { ms: number; error: string | null; leftovers: SectionResult['leftovers'] }> = {};
  for (const name of names) {
    process.stdout.write(`${name} ... `);
    const r = await runSection(name);
    rows.push(...r.rows);
    sections[name] = { ms: Math.round(r.ms), error: r.error, leftovers: r.leftovers };
    console.log(`${(r.ms / 1000).toFixed(1)} s${r.error ? ' ERROR' : ''}`);
  }

  console.log(`\nprocward benchmarks (node ${process.version}, ${availableParallelism()} cores, ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  console.log(formatTable(rows));
  const leftovers = Object.values(sections).flatMap((s) => s.leftovers);
  console.log(`\nleftover child processes: ${leftovers.length === 0 ? 'none' : leftovers.map((d) => `${d.pid} ${d.comm}`).join(', ')}`);
  for (const [name, s] of Object.entries(sections)) if (s.error) console.log(`\nsection ${name} did not complete:\n${s.error}`);
  const failed = rows.filter((r) => r.pass === false);
  console.log(failed.length === 0 ? 'all targets met' : `${failed.length} target(s) missed: ${failed.map((r) => r.figure).join('; ')}`);

  writeFileSync(
    RESULTS,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cores: availableParallelism(),
        sections,
        rows,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`results written to ${RESULTS}`);
  const errors = Object.values(sections).filter((s) => s.error).length;
  return leftovers.length === 0 && errors === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
