/**
 * The hostile kinds of children the soak spawns, and what each promises about its output. Every
 * choice comes from the PRNG, so a seed determines the whole sequence of spawn options.
 */
import { fileURLToPath } from 'node:url';
import type { SpawnOptions } from '../src/index.js';
import type { Prng } from './prng.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export const KIND_WEIGHTS = {
  counted: 18,
  trickle: 10,
  flood: 3,
  'ignore-term': 9,
  cooperative: 7,
  'fork-tree': 6,
  'setsid-tree': 5,
  daemon: 5,
  'pty-counted': 4,
  'pty-shell': 6,
  echo: 8,
  'spawn-error': 2,
  'bad-options': 2,
} as const;

export type Kind = keyof typeof KIND_WEIGHTS;

/** What the soak checks of a process beyond its lifecycle. */
export interface Expectations {
  /** Every attempt that exits with a code (not a signal) wrote a SOAK-END trailer first. */
  trailer: boolean;
  /** On a terminal (stream `pty`) rather than pipes. */
  pty: boolean;
  /** stdin is an echo: `in=` of the trailer is what was written, when every write succeeded before end(). */
  echo: boolean;
  /** An interactive bash: markers typed before `exit` must be in the output when it completes. */
  shell: boolean;
  /** Descendants that may leave the leader's session. */
  tree: 'none' | 'fork' | 'setsid' | 'daemon';
  /** The spawn is expected to fail (missing command or cwd). */
  spawnError: boolean;
}

export interface Planned {
  kind: Kind;
  options: SpawnOptions;
  expect: Expectations;
  /** Refused by validation (bad-options): spawn must throw INVALID_OPTIONS. */
  invalid?: string;
  abort?: AbortController;
}

const SCOPE_KINDS = ['task', 'mission'] as const;

export function randomScope(r: Prng): { kind: string; id: string } {
  return { kind: r.pick(SCOPE_KINDS), id: String(r.int(1, 4)) };
}

interface Counted {
  out: number;
  err: number;
  chunk: number;
  pauseEvery: number;
  pauseMs: number;
  code: number;
  pty?: boolean;
  hold?: boolean;
  term?: 'default' | 'ignore' | 'trailer';
  tree?: Expectations['tree'];
  treeN?: number;
}

function counted(c: Counted, deadlineMs: number): { command: string; args: string[] } {
  return { command: process.execPath, args: [FIXTURES + 'counted-output.mjs', JSON.stringify({ ...c, deadlineMs })] };
}

const none: Expectations = { trailer: true, pty: false, echo: false, shell: false, tree: 'none', spawnError: false };

/** Plans one spawn: its kind, options and what to expect. `deadlineMs` bounds every fixture's life. */
export function planSpawn(r: Prng, deadlineMs: number): Planned {
  const kind = r.weighted(KIND_WEIGHTS);
  const code = r.chance(0.25) ? r.int(1, 3) : 0;
  const term = r.pick(['default', 'ignore', 'trailer'] as const);
  let options: SpawnOptions;
  let expect: Expectations = none;
  switch (kind) {
    case 'counted':
      options = counted(
        { out: r.logInt(1, 64 * 1024), err: r.chance(0.5) ? r.logInt(1, 16 * 1024) : 0, chunk: r.logInt(1, 8192), pauseEvery: r.chance(0.3) ? r.int(1, 20) : 0, pauseMs: r.int(1, 20), code, term },
        deadlineMs,
      );
      break;
    case 'trickle':
      options = counted(
        { out: r.logInt(10, 8 * 1024), err: r.chance(0.3) ? r.logInt(1, 2048) : 0, chunk: r.logInt(1, 256), pauseEvery: r.int(1, 4), pauseMs: r.int(5, 40), code, hold: r.chance(0.4), term },
        deadlineMs,
      );
      break;
    case 'flood':
      options = counted({ out: r.logInt(1 << 20, 16 << 20), err: r.chance(0.5) ? r.logInt(1 << 16, 4 << 20) : 0, chunk: 65536, pauseEvery: 0, pauseMs: 0, code }, deadlineMs);
      break;
    case 'ignore-term':
      options = counted({ out: r.logInt(1, 4096), err: 0, chunk: 512, pauseEvery: 0, pauseMs: 0, code, hold: true, term: 'ignore' }, deadlineMs);
      break;
    case 'cooperative':
      options = counted(
        {
          out: r.logInt(1, 4096),
          err: r.chance(0.3) ? r.int(1, 500) : 0,
          chunk: r.logInt(1, 1024),
          pauseEvery: r.chance(0.5) ? 1 : 0,
          pauseMs: r.int(1, 30),
          code,
          hold: r.chance(0.8),
          term: 'trailer',
        },
        deadlineMs,
      );
      break;
    case 'fork-tree':
    case 'setsid-tree':
    case 'daemon': {
      const tree = kind === 'fork-tree' ? 'fork' : kind === 'setsid-tree' ? 'setsid' : 'daemon';
      options = counted(
        { out: r.logInt(1, 8192), err: 0, chunk: 1024, pauseEvery: r.chance(0.5) ? 1 : 0, pauseMs: r.int(1, 30), code, hold: r.chance(0.5), term, tree, treeN: r.int(1, 3) },
        deadlineMs,
      );
      expect = { ...none, tree };
      break;
    }
    case 'pty-counted':
      options = {
        ...counted(
          { out: r.logInt(1, 256 * 1024), err: 0, chunk: r.logInt(1, 16384), pauseEvery: r.chance(0.3) ? r.int(1, 10) : 0, pauseMs: r.int(1, 20), code, pty: true, hold: r.chance(0.3), term },
          deadlineMs,
        ),
        pty: r.chance(0.5) ? true : { cols: r.int(20, 200), rows: r.int(5, 60) },
      };
      expect = { ...none, pty: true };
      break;
    case 'pty-shell':
      options = { command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: '$ ', HISTFILE: '/dev/null' }, pty: true };
      expect = { ...none, trailer: false, pty: true, shell: true };
      break;
    case 'echo':
      options = { command: process.execPath, args: [FIXTURES + 'echo-counted.mjs', String(deadlineMs)], stdin: 'pipe' };
      expect = { ...none, echo: true };
      break;
    case 'spawn-error':
      options = r.chance(0.5) ? { command: `/nonexistent/soak-${r.int(0, 1e6)}` } : { command: 'true', cwd: `/nonexistent/soak-${r.int(0, 1e6)}` };
      expect = { ...none, trailer: false, spawnError: true };
      break;
    case 'bad-options': {
      const bad = r.pick([
        ['timeoutMs', { timeoutMs: -5 }],
        ['timeoutMs', { timeoutMs: 2 ** 31 }],
        ['args', { args: ['a\0b'] }],
        ['did you mean', { timout: 5 }],
        ['graceMs', { stop: { graceMs: Number.NaN } }],
        ['metadata', { metadata: { n: 10n } }],
        ['stdin', { pty: true, stdin: 'pipe' }],
      ] as const);
      return { kind, options: { command: 'true', ...(bad[1] as object) } as SpawnOptions, expect: { ...none, trailer: false }, invalid: bad[0] };
    }
  }
  return decorate(r, kind, options, expect);
}

/** Restart policies, deadlines, idle watchdogs, scopes and stop settings, at random. */
function decorate(r: Prng, kind: Kind, options: SpawnOptions, expect: Expectations): Planned {
  const o: SpawnOptions = { ...options, label: kind, metadata: { kind } };
  if (r.chance(0.7)) o.scope = randomScope(r);
  if (!expect.spawnError && !expect.shell) {
    const restart = r.weighted({ none: 75, 'on-failure': 15, always: 10 });
    if (restart !== 'none') {
      o.restart = restart;
      o.maxRestarts = r.int(1, 4);
      o.minUptimeMs = r.int(0, 100);
      o.backoff = { initialMs: r.int(5, 50), maxMs: 200, jitter: 0.2 };
    }
  }
  if (r.chance(0.15)) o.timeoutMs = r.int(100, 4000);
  if (r.chance(0.12)) o.idleTimeoutMs = r.int(100, 2000);
  if (r.chance(0.2)) o.stop = r.chance(0.5) ? { graceMs: r.int(0, 300) } : { signal: r.pick(['SIGTERM', 'SIGINT', 'SIGHUP'] as const), graceMs: r.int(10, 300) };
  if (r.chance(0.2)) o.output = { maxBytes: r.logInt(1024, 256 * 1024) };
  if (r.chance(0.1)) o.drainMs = r.int(10, 200);
  if (r.chance(0.3)) o.priority = r.int(-2, 2);
  let abort: AbortController | undefined;
  if (r.chance(0.1)) {
    abort = new AbortController();
    o.signal = abort.signal;
  }
  return { kind, options: o, expect, abort };
}
