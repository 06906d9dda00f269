/**
 * Property: whatever is in stateDir — a corrupted, truncated, hostile or forged ledger, in a
 * plain or booby-trapped spool layout — recover() returns a promise (never throws synchronously)
 * that resolves with a report or rejects with LEDGER_CORRUPT; it kills nothing it did not start
 * (an unrelated `sleep` and this test process stay alive, whatever pids and start times the
 * ledger names), touches no path outside stateDir (a canary file and directory beside it stay as
 * they were), history() reads nothing outside it, and nothing ends as an unhandled rejection.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isProcwardError, PROCESS_STATES, ProcessManager } from '../../src/index.js';
import { readProcEntry } from '../../src/tree/proc-table.js';
import { isAlive } from '../helpers/proc.js';

// Modest, so that it takes seconds in `npm test`; FUZZ_RUNS=5000 for a longer hunt.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SECRET = 'canary-secret\n';
// JSON.stringify cannot write numbers beyond a double; this placeholder becomes one in the text.
const HUGE = '__HUGE_NUMBER__';

let stranger: { pid: number; startTicks: number };
const self = { pid: process.pid, startTicks: readProcEntry(process.pid)?.startTicks ?? 0 };
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  // Unrelated to procward: plain child_process, its own group and session.
  const child = spawn('sleep', ['120'], { stdio: 'ignore', detached: true });
  await once(child, 'spawn');
  child.unref();
  stranger = { pid: child.pid!, startTicks: readProcEntry(child.pid!)!.startTicks };
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  try {
    process.kill(stranger.pid, 'SIGKILL');
  } catch {
    /* gone */
  }
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// ── generators ────────────────────────────────────────────────────────────────

const hostileText = fc.constantFrom('..', '../../canary', '../canary', '/tmp', '.', '', 'a/b', 'x\u0000y', '..\\..', 'ｃａｎａｒｙ', '%2e%2e', '\u202e..', 'procward-1;kill-server', '#(touch /tmp/x)');
const anyText = fc.oneof(hostileText, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }));
const id = fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 2, arbitrary: anyText }, { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) });
const huge = fc.constant(HUGE);
const pid = fc.oneof(
  fc.constant(self.pid),
  fc.constant(0).map(() => stranger.pid),
  fc.integer({ min: -5, max: 5_000_000 }),
  fc.constantFrom(0, 1, 2 ** 31, 2 ** 53, 1.5, -0),
  huge,
  anyText,
);
const startTicks = fc.oneof(
  fc.constant(self.startTicks),
  fc.constant(0).map(() => stranger.startTicks),
  fc.nat(),
  huge,
  fc.double(),
  anyText,
);
const time = fc.oneof(fc.nat(), fc.double(), huge, fc.constant(null), anyText);
/** Nested `depth` levels deep, as arrays or objects. */
const deep = fc.tuple(fc.integer({ min: 1, max: 300 }), fc.boolean()).map(([depth, arrays]) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = arrays ? [v] : { a: v };
  return v;
});
const metadata = fc.oneof(
  fc.dictionary(anyText, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }),
  deep.map((d) => ({ d })),
  deep,
  fc.anything({ maxDepth: 2 }),
);
const tmuxName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/), anyText);

const entry = fc
  .record({
    id,
    managerId: fc.oneof(fc.uuid(), anyText),
    pid,
    startTicks,
    command: anyText,
    args: fc.oneof(fc.array(anyText, { maxLength: 3 }), fc.anything({ maxDepth: 1 })),
    cwd: anyText,
    label: anyText,
    type: fc.oneof(fc.constantFrom('command', 'service'), anyText),
    scope: fc.option(fc.record({ kind: anyText, id: anyText })),
    metadata,
    persist: fc.oneof(fc.boolean(), fc.anything({ maxDepth: 0 })),
    state: fc.oneof(fc.constantFrom(...PROCESS_STATES), anyText),
    createdAt: time,
    startedAt: time,
    endedAt: time,
    exit: fc.option(fc.record({ code: fc.oneof(fc.integer(), fc.constant(null)), signal: fc.oneof(fc.constantFrom('SIGKILL', null), anyText), reason: anyText })),
    spoolDir: anyText,
    tmux: fc.option(fc.record({ socket: tmuxName, session: tmuxName })),
  })
  // Any field may be missing.
  .chain((e) => fc.subarray(Object.keys(e)).map((keep) => Object.fromEntries(Object.entries(e).filter(([k]) => keep.includes(k)))));

/** Entries that pass as procward's own, with a forged pid: what a careful forger writes. */
const forged = fc
  .record({
    id: fc.uuid(),
    managerId: fc.uuid(),
    target: fc.constantFrom('self', 'stranger'),
    persist: fc.boolean(),
    state: fc.constantFrom('running', 'starting', 'paused', 'stopping'),
    tmux: fc.option(fc.record({ socket: fc.constant('procward'), session: fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/) })),
  })
  .map(({ target, tmux, ...e }) => ({
    ...e,
    ...(target === 'self' ? self : stranger),
    command: 'sleep',
    args: ['120'],
    cwd: '/',
    type: 'command',
    metadata: {},
    createdAt: 1,
    startedAt: 1,
    endedAt: null,
    exit: null,
    spoolDir: '/nowhere',
    ...(tmux ? { tmux } : {}),
  }));

/** Ended entries as procward writes them: pruned past retainExited, so their spools are deleted. */
const ended = fc.record({ id: fc.uuid(), managerId: fc.uuid(), endedAt: fc.nat({ max: 1000 }), state: fc.constantFrom('completed', 'failed', 'stopped') }).map((e) => ({
  ...e,
  command: 'true',
  args: [],
  cwd: '/',
  type: 'command',
  metadata: { note: 'ended' },
  persist: false,
  createdAt: 1,
  startedAt: 1,
  exit: { code: 0, signal: null, reason: 'exit' },
  spoolDir: '/nowhere',
}));

/** A ledger that passes every check: only forged live entries and ended ones, so recover() acts on it. */
const wellFormed = fc.record({ managerId: fc.uuid(), processes: fc.array(fc.oneof(forged, ended), { minLength: 1, maxLength: 8 }) }).map((l) => ({
  format: 'procward-ledger',
  version: 1,
  hostPid: 1,
  updatedAt: 0,
  ...l,
}));

const envelope = fc.record({
  format: fc.oneof({ weight: 5, arbitrary: fc.constant('procward-ledger') }, { weight: 1, arbitrary: anyText }),
  version: fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.anything({ maxDepth: 0 }) }),
  managerId: fc.oneof(fc.uuid(), anyText),
  hostPid: fc.oneof(fc.nat(), huge),
  updatedAt: time,
  processes: fc.array(fc.oneof({ weight: 4, arbitrary: entry }, { weight: 2, arbitrary: forged }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) }), { maxLength: 8 }),
});

const ledgerText = fc.oneof(
  { weight: 4, arbitrary: envelope.map((l) => JSON.stringify(l).replaceAll(`"${HUGE}"`, '1e400')) },
  { weight: 4, arbitrary: wellFormed.map((l) => JSON.stringify(l)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 100_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)) },
);
// Torn at a random point (a crash mid-write of a host that did not rename atomically), or whole.
const corrupted = fc
  .tuple(ledgerText, fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) }))
  .map(([text, cut]) => (cut === null ? text : text.slice(0, Math.floor(text.length * cut))));

const layout = fc.constantFrom('plain', 'spool-symlink', 'id-symlinks');

// ── the property ──────────────────────────────────────────────────────────────

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out[p] = readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function uuidsIn(text: string): string[] {
  return [...new Set(text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ?? [])];
}

describe('stateDir fuzz', () => {
  it('recover() resolves with a report or rejects with LEDGER_CORRUPT; kills nothing, touches nothing outside stateDir', async () => {
    await fc.assert(
      fc.asyncProperty(corrupted, layout, fc.nat({ max: 3 }), async (text, shape, retainExited) => {
        const base = mkdtempSync(join(tmpdir(), 'procward-fuzz-'));
        dirs.push(base);
        const stateDir = join(base, 'state');
        const canaryDir = join(base, 'canary');
        mkdirSync(stateDir);
        mkdirSync(canaryDir);
        writeFileSync(join(base, 'canary.txt'), SECRET);
        writeFileSync(join(canaryDir, '0000000000000000.out'), SECRET);
        // Trapped layouts: a spool root, or spools of the ids the ledger names, pointing outside.
        const ids = uuidsIn(text);
        for (const u of ids) (mkdirSync(join(canaryDir, u), { recursive: true }), writeFileSync(join(canaryDir, u, '0000000000000000.out'), SECRET));
        if (shape === 'spool-symlink') symlinkSync(canaryDir, join(stateDir, 'spool'));
        if (shape === 'id-symlinks') {
          mkdirSync(join(stateDir, 'spool'));
          for (const u of ids) symlinkSync(join(canaryDir, u), join(stateDir, 'spool', u));
        }
        writeFileSync(join(stateDir, 'ledger.json'), text);
        const before = snapshot(canaryDir);

        const pm = new ProcessManager({ stateDir, retainExited });
        pm.on('error', () => {}); // STATE_FAILED for trapped spools: expected, and not the question here
        try {
          let pending: Promise<unknown>;
          try {
            pending = pm.recover();
          } catch (err) {
            throw new Error(`recover() threw synchronously: ${String(err)}`);
          }
          const outcome = await pending.then(
            (report) => ({ report }),
            (error: unknown) => ({ error }),
          );
          if ('error' in outcome) {
            if (!isProcwardError(outcome.error, 'LEDGER_CORRUPT')) throw new Error(`recover() rejected with something else: ${String(outcome.error)}`);
          } else {
            expect(outcome.report).toMatchObject({ adopted: [], killed: [] });
          }
          for (const candidate of [...ids, '../canary', '../../canary']) {
            try {
              const r = pm.history({ id: candidate });
              expect(r.data.toString()).not.toContain('canary-secret');
            } catch (err) {
              if (!isProcwardError(err, 'NOT_FOUND') && !isProcwardError(err, 'INVALID_OPTIONS')) throw err;
            }
          }
        } finally {
          await pm.shutdown();
        }
        await new Promise((r) => setImmediate(r));
        expect(isAlive(stranger.pid)).toBe(true);
        expect(readFileSync(join(base, 'canary.txt'), 'utf8')).toBe(SECRET);
        expect(snapshot(canaryDir)).toEqual(before);
        expect(unhandled).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
