import { describe, expect, it } from 'vitest';
import type { ManagedProcess, ManagerOptions, SpawnOptions } from '../../src/index.js';
import { DEFAULTS } from '../../src/options/defaults.js';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { tmuxTestSocket } from '../helpers/tmux.js';
import { useManager } from '../helpers/use-manager.js';

const SOCKET = tmuxTestSocket('stop-test');
const newManager = useManager();
const text = (p: ManagedProcess) => p.output.read().data.toString();
const SHELL = { command: 'bash', args: ['--norc', '--noprofile', '-i'], env: { PS1: 'READY> ' } };

/** An interactive shell with a background job, at its prompt; resolves with the job's pid. */
async function shellWithJob(p: ManagedProcess): Promise<number> {
  await waitFor(() => /READY> $/.test(text(p)), 'the prompt');
  await p.write('sleep 300 & echo "job $!"\r');
  const job = Number((await waitFor(() => /job (\d+)\r\n/.exec(text(p)), 'the job'))[1]);
  await waitFor(() => isAlive(job), 'the job to run');
  return job;
}

describe.each([
  ['node-pty', true],
  ['tmux', { backend: 'tmux', socket: SOCKET }],
] as const)('stopping an interactive shell on a terminal (%s)', (_name, pty) => {
  it('hangs it up first by default: it ends on SIGHUP, with its jobs, without waiting out a grace period', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...SHELL, pty });
    const job = await shellWithJob(p);
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', reason: 'stop', signal: 'SIGHUP', survivors: [] });
    expect(isAlive(job)).toBe(false);
  });

  it.each<[string, ManagerOptions, Partial<SpawnOptions>]>([
    ["the manager's stop", { stop: { graceMs: 200 } }, {}],
    ["the spawn's stop", {}, { stop: { signal: 'SIGTERM', graceMs: 200 } }],
    ["the spawn's stop sequence", {}, { stop: { sequence: [{ signal: 'SIGTERM', graceMs: 200 }] } }],
  ])('%s wins: SIGTERM, which the shell ignores, then SIGKILL', async (_what, managerOptions, spawnOptions) => {
    const pm = newManager(managerOptions);
    const p = pm.spawn({ ...SHELL, pty, ...spawnOptions });
    const job = await shellWithJob(p);
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', signal: 'SIGKILL', survivors: [] });
    expect(isAlive(job)).toBe(false);
  });
});

describe('the default terminal stop sequence', () => {
  it('sends SIGTERM to what ignores the hang-up', async () => {
    const pm = newManager();
    // Logs each signal, exits on SIGTERM; it has a SIGHUP handler, so the hang-up does not end it.
    const p = pm.spawn({ ...fixture('signal-steps.mjs', 'SIGTERM'), pty: true });
    await waitFor(() => text(p).includes('child ready') && text(p).includes('escaped ready'), 'the fixture ready');
    const exit = await p.stop();
    expect(exit).toMatchObject({ state: 'stopped', code: 0, signal: null, survivors: [] });
    const leader = text(p)
      .split('\r\n')
      .filter((l) => l.startsWith('leader got'));
    expect(leader).toEqual(['leader got SIGHUP', 'leader got SIGTERM']);
    expect(exit.durationMs).toBeGreaterThanOrEqual(DEFAULTS.ptyStop[0].graceMs);
  });

  it('stop({ graceMs }) keeps the hang-up as the signal; stop({ signal }) replaces it', async () => {
    const pm = newManager();
    const a = pm.spawn({ ...SHELL, pty: true });
    const b = pm.spawn({ ...SHELL, pty: true });
    await Promise.all([shellWithJob(a), shellWithJob(b)]);
    expect(await a.stop({ graceMs: 60_000 })).toMatchObject({ state: 'stopped', signal: 'SIGHUP' });
    expect(await b.stop({ signal: 'SIGTERM', graceMs: 200 })).toMatchObject({ state: 'stopped', signal: 'SIGKILL' });
  });

  it('does not apply to pipes: their stop still begins with SIGTERM', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('signal-steps.mjs', 'SIGTERM'));
    await waitFor(() => text(p).includes('child ready') && text(p).includes('escaped ready'), 'the fixture ready');
    expect(await p.stop()).toMatchObject({ state: 'stopped', code: 0 });
    expect(
      text(p)
        .split('\n')
        .filter((l) => l.startsWith('leader got')),
    ).toEqual(['leader got SIGTERM']);
  });
});
