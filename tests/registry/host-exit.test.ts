import { describe, expect, it } from 'vitest';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('host exit', () => {
  it('a host that exits without shutdown() takes every live tree with it', async () => {
    const pm = newManager();
    const host = pm.spawn({ command: process.execPath, args: ['--import', 'tsx', fixture('host-exits.mjs').args[0]!] });
    const exit = await host.exited;
    expect(exit.stderrTail).toBe('');
    const pids = JSON.parse(host.output.read().data.toString().trim()) as Record<string, number>;
    for (const pid of Object.values(pids)) await waitFor(() => !isAlive(pid), `pid ${pid} to die with its host`);
  });
});
