import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { nothingForkedSince, ownSpawnSeq, recordOwnSpawn } from '../../src/tree/own-spawns.js';
import { forksBeforeSpawn } from '../../src/tree/pid-window.js';
import { isAlive, waitFor } from '../helpers/proc.js';

const children: ChildProcess[] = [];
function sleeper(): ChildProcess {
  const c = spawn('sleep', ['30'], { stdio: 'ignore' });
  children.push(c);
  return c;
}

afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await waitFor(() => !isAlive(c.pid!), `sleep ${c.pid} to die`);
  }
});

describe('nothingForkedSince: a leader settled by the pids of its siblings', () => {
  it('holds when every pid after the leader went to a later spawn of this process', async () => {
    // Other processes of the machine (parallel test files) take pids too: retried until a round
    // where only these spawns did, which must then be recognised.
    let settled: number | false = false;
    for (let round = 0; round < 200 && settled === false; round++) {
      const forks = forksBeforeSpawn();
      const a = sleeper();
      const seqA = recordOwnSpawn(a.pid!);
      const b = sleeper();
      recordOwnSpawn(b.pid!);
      const c = sleeper();
      recordOwnSpawn(c.pid!);
      // Only a round where no other process took a pid between them and the check says anything.
      if (b.pid === a.pid! + 1 && c.pid === b.pid + 1) settled = nothingForkedSince(a.pid!, seqA, forks);
      for (const child of children) child.kill('SIGKILL'); // afterEach waits for them to be gone
      if (settled === false) await new Promise((r) => setImmediate(r));
    }
    expect(settled).toBeGreaterThan(0);
  });

  it('fails when a pid after the leader went to a process nobody recorded', () => {
    const forks = forksBeforeSpawn();
    const a = sleeper();
    const seqA = recordOwnSpawn(a.pid!);
    sleeper(); // a child of this process, but not a recorded spawn: it could be the leader's
    expect(nothingForkedSince(a.pid!, seqA, forks)).toBe(false);
  });

  it('fails when the pid after the leader was recorded before it (it is not a later sibling)', () => {
    const forks = forksBeforeSpawn();
    const a = sleeper();
    const b = sleeper();
    recordOwnSpawn(b.pid!);
    const seqA = recordOwnSpawn(a.pid!);
    expect(nothingForkedSince(a.pid!, seqA, forks)).toBe(false);
  });

  it('fails without a fork count from before the leader (allocation may have lapped it)', () => {
    const a = sleeper();
    const seqA = recordOwnSpawn(a.pid!);
    expect(nothingForkedSince(a.pid!, seqA, -1)).toBe(false);
    expect(ownSpawnSeq()).toBe(seqA);
  });
});
