/**
 * Memory figures need a fresh process per run (a host's heap history changes what it measures):
 * the parent side runs a worker file and reads its last stdout line as JSON; the worker side
 * resets the kernel's peak-RSS mark and samples RSS itself as a fallback.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

/** Runs `node [nodeArgs] --import tsx <file> <side>` and resolves with its last line, parsed. */
export function runWorker<T>(file: string, side: string, nodeArgs: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', file, side], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`worker ${file} ${side} exited ${code}: ${err.trim()}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as T);
    });
  });
}

/** The kernel's peak RSS of this process (VmHWM), in bytes. */
export function vmHwm(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

export interface PeakRss {
  /** Whether VmHWM was reset (clear_refs 5), so that it covers only what follows. */
  hwmReset: boolean;
  rssBefore: number;
  /** Stops sampling; returns the sampled peak (the fallback when the reset was refused). */
  stop(): { hwm: number; sampledPeak: number };
}

/** Starts watching this process's peak RSS from now on. */
export function watchPeakRss(sampleMs = 5): PeakRss {
  let hwmReset = true;
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    hwmReset = false;
  }
  const rssBefore = process.memoryUsage.rss();
  let sampledPeak = rssBefore;
  const sampler = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > sampledPeak) sampledPeak = rss;
  }, sampleMs);
  return {
    hwmReset,
    rssBefore,
    stop() {
      clearInterval(sampler);
      sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
      return { hwm: vmHwm(), sampledPeak };
    },
  };
}
