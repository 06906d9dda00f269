import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { lastPid } from '../../src/tree/pid-window.js';
import { environEntry, environValue, isProcessId, readProcEntry } from '../../src/tree/proc-table.js';
import { tableListings } from '../../src/tree/process-tree.js';
import { TableView } from '../../src/tree/table-view.js';
import { isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const forksNow = () => Number(/\nprocesses (\d+)/.exec(readFileSync('/proc/stat', 'utf8'))![1]);
const nextRound = () => new Promise((r) => setImmediate(r));

const children: ChildProcess[] = [];
/** A `sleep` leading its own session, marked like a tree member; killed after the test. */
function leader(mark = 'none'): ChildProcess {
  const c = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: { ...process.env, TV_MARK: mark } });
  children.push(c);
  return c;
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
    await waitFor(() => !isAlive(c.pid!), `sleep ${c.pid} to die`);
  }
});

const newManager = useManager();
const markOf = (e: { pid: number }) => environValue(e.pid, 'TV_MARK') ?? null;

describe.runIf(process.platform === 'linux')('the shared view of the process table', () => {
  it('lists /proc once while nothing is created, and again (for the new pids) when something is', async () => {
    const view = new TableView(markOf);
    const forks = forksNow();
    const a = leader();
    const b = leader();
    await waitFor(() => isAlive(b.pid!), 'the sleeps');
    // Another process on the machine may fork meanwhile (the view then lists again, rightly):
    // the claim is checked on a turn in which nothing did.
    for (let turn = 0; ; turn++) {
      await nextRound();
      const pidBefore = lastPid();
      const before = view.listings;
      view.scope(a.pid!, forks);
      view.scope(b.pid!, forks);
      await nextRound(); // a later round of the event loop: still no listing if nothing was created
      view.scope(a.pid!, forks);
      if (lastPid() !== pidBefore && turn < 50) continue;
      expect(view.listings - before).toBeLessThanOrEqual(1); // one if something forked before this turn
      // A few new pids are read one by one, with no listing; many, and /proc is listed again.
      const listed = view.listings;
      const c = leader('tree-a');
      const scope = view.scope(a.pid!, forks);
      expect(scope.get(c.pid!)?.pid).toBe(c.pid);
      expect(scope.marked('tree-a').map((e) => e.pid)).toContain(c.pid);
      const many = Array.from({ length: 40 }, () => leader('tree-a'));
      const wide = view.scope(a.pid!, forks);
      expect(view.listings).toBeGreaterThan(listed);
      for (const m of many) expect(wide.get(m.pid!)?.pid).toBe(m.pid);
      break;
    }
  });

  it('forgets a process that is gone at the next listing of /proc', async () => {
    const view = new TableView(markOf);
    const forks = forksNow();
    const a = leader('tree-a');
    const gone = leader('tree-a');
    await waitFor(() => view.scope(a.pid!, forks).marked('tree-a').length === 2, 'both sleeps seen');
    gone.kill('SIGKILL');
    await new Promise((r) => gone.once('exit', r)); // reaped: no longer listed
    for (let i = 0; i < 40; i++) leader(); // more new pids than are read one by one: a listing
    expect(view.scope(a.pid!, forks).get(gone.pid!)).toBeUndefined();
    expect(
      view
        .scope(a.pid!, forks)
        .marked('tree-a')
        .map((e) => e.pid),
    ).toEqual([a.pid]);
  });

  it('sees a process created after the listing, in the same round', () => {
    const view = new TableView(markOf);
    const forks = forksNow();
    const a = leader('tree-a');
    const early = view.scope(a.pid!, forks);
    expect(early.get(a.pid!)).toBeDefined();
    const late = leader('tree-a'); // forked after the snapshot was listed, before the round ends
    const scope = view.scope(a.pid!, forks);
    expect(scope.get(late.pid!)?.pid).toBe(late.pid);
    expect(scope.marked('tree-a').map((e) => e.pid)).toEqual(expect.arrayContaining([a.pid, late.pid]));
    expect(scope.before).toBeGreaterThanOrEqual(early.before);
  });

  it("sees only pids handed out since the tree's leader, and does not read other trees' leaders", async () => {
    const view = new TableView(markOf);
    const forks = forksNow();
    const a = leader('tree-a');
    const b = leader('tree-b');
    await waitFor(() => isAlive(b.pid!), 'the sleeps');
    view.addLeader(b.pid!);
    const scopeA = view.scope(a.pid!, forks);
    expect(scopeA.get(process.pid)).toBeUndefined(); // created before the leader
    expect(scopeA.inSession(b.pid!)).toEqual([]); // a registered leader is no member of another tree
    expect(scopeA.marked('tree-b')).toEqual([]);
    // Its own tree reads it.
    expect(view.scope(b.pid!, forks).get(b.pid!)?.sid).toBe(b.pid);
    view.removeLeader(b.pid!);
    await nextRound();
    expect(
      view
        .scope(a.pid!, forks)
        .marked('tree-b')
        .map((e) => e.pid),
    ).toEqual([b.pid]);
  });

  it('serves a stopAll of many trees with a few listings, not several per tree', async () => {
    const pm = newManager();
    const ps = Array.from({ length: 30 }, () => pm.spawn({ command: 'sleep', args: ['30'] }));
    await Promise.all(ps.map((p) => p.started));
    const before = tableListings();
    await pm.stopAll();
    for (const p of ps) expect(isAlive(p.pid!)).toBe(false);
    // Each tree scans before it signals and may confirm after: one listing per tree or more before.
    expect(tableListings() - before).toBeLessThan(ps.length);
  });

  it('tells a process from a thread, which /proc answers for without listing it', () => {
    const tid = readdirSync(`/proc/${process.pid}/task`)
      .map(Number)
      .find((t) => t !== process.pid)!;
    expect(tid).toBeDefined(); // Node runs worker threads
    const thread = readProcEntry(tid)!;
    expect(thread.pid).toBe(tid);
    expect(isProcessId(thread)).toBe(false);
    expect(isProcessId(readProcEntry(process.pid)!)).toBe(true);
  });
});

describe('a marker that cannot be read yet', () => {
  it('asks again about a live process whose environment reads empty, and once about one that has one', async () => {
    // A process started with no environment reads like one in the middle of an exec: no answer.
    const bare = spawn('sleep', ['30'], { detached: true, stdio: 'ignore', env: {} });
    children.push(bare);
    const marked = leader('plain');
    await waitFor(() => readProcEntry(bare.pid!)?.comm === 'sleep' && readProcEntry(marked.pid!)?.comm === 'sleep', 'both to exec sleep');
    expect(environEntry(bare.pid!, 'TV_MARK')).toBeUndefined();
    expect(environEntry(marked.pid!, 'TV_MARK')).toBe('plain');
    const asked = new Map<number, number>();
    const view = new TableView((e) => {
      asked.set(e.pid, (asked.get(e.pid) ?? 0) + 1);
      return environEntry(e.pid, 'TV_MARK');
    });
    view.scope(process.pid, -1);
    view.scope(process.pid, -1);
    const third = view.scope(process.pid, -1);
    expect(asked.get(marked.pid!)).toBe(1);
    expect(asked.get(bare.pid!)).toBeGreaterThanOrEqual(3);
    expect(third.marked('plain').map((e) => e.pid)).toContain(marked.pid);
  });
});
