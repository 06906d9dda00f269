/**
 * Runs one section in this (fresh) Node process: `node --import tsx bench/section.ts <name>`.
 * Sections are isolated from each other because a host's heap size changes what it measures
 * (fork() copies page tables: spawns get slower after a 512 MiB stream grew the heap), while raw
 * and procward within a section share the process and alternate.
 * Prints one JSON line: { rows, error, leftovers, ms }.
 */
import { killRawChildren, liveDescendants } from './lib/children.js';
import type { Row } from './lib/report.js';
import { SECTIONS } from './lib/sections.js';

const name = process.argv[2] ?? '';
const run = SECTIONS[name];
if (!run) {
  console.error(`unknown section "${name}"; choose from ${Object.keys(SECTIONS).join(', ')}`);
  process.exit(2);
}
process.on('exit', killRawChildren);

// Descendants that exist before the section starts (tsx's esbuild service) are not ours to judge.
const preexisting = new Set(liveDescendants().map((d) => d.pid));
const t0 = performance.now();
let rows: Row[] = [];
let error: string | null = null;
try {
  rows = await run();
} catch (err) {
  // A failed verification (wrong byte count, unexpected exit) is reported; other sections still run.
  error = String((err as Error)?.stack ?? err);
}
const ms = performance.now() - t0;
const killed = killRawChildren();
await new Promise((r) => setTimeout(r, 50));
const leftovers = liveDescendants().filter((d) => !preexisting.has(d.pid));
for (const d of leftovers) {
  try {
    process.kill(d.pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}
if (killed > 0 && !error) error = `${killed} raw child(ren) were still running at the end of the section`;
process.stdout.write(JSON.stringify({ rows, error, leftovers, ms }) + '\n');
process.exit(0);
