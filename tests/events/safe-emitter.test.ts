/**
 * Listeners are isolated (src/events/safe-emitter.ts): one that throws neither stops the others
 * nor unwinds into the library, and its failure is never lost.
 */
import { describe, expect, it } from 'vitest';
import type { ManagedProcess, ProcwardError } from '../../src/index.js';
import { ListenerError } from '../../src/errors/procward-error.js';
import { waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();

describe('listeners', () => {
  it('a listener that throws neither breaks the library nor loses events for the others', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'for i in 1 2 3 4 5; do echo $i; done'] });
    let bytes = 0;
    const listenerErrors: ProcwardError[] = [];
    p.on('output', () => {
      throw new Error('host bug');
    });
    p.on('output', (c) => (bytes += c.data.length));
    p.on('error', (e) => listenerErrors.push(e));
    pm.on('state', () => {
      throw new Error('another host bug');
    });
    p.once('state', () => {
      throw new Error('once, too');
    });
    const exit = await p.exited;
    expect(exit.state).toBe('completed');
    expect(bytes).toBe(10);
    expect(listenerErrors.length).toBeGreaterThan(0);
    expect(listenerErrors[0]).toBeInstanceOf(ListenerError);
    expect(listenerErrors[0]!.code).toBe('LISTENER_FAILED');
  });

  it('once and off keep their meaning', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sh', args: ['-c', 'echo a; sleep 0.05; echo b'] });
    let onceCalls = 0;
    let offCalls = 0;
    const off = () => offCalls++;
    p.once('output', () => onceCalls++);
    p.on('output', off);
    p.off('output', off);
    await p.exited;
    expect(onceCalls).toBe(1);
    expect(offCalls).toBe(0);
  });
});

describe('a throwing listener is never lost', () => {
  it('with no error listener on the process, the manager hears it, with the process', async () => {
    const pm = newManager();
    const heard: [ProcwardError, ManagedProcess | undefined][] = [];
    pm.on('error', (err, p) => heard.push([err, p]));
    const p = pm.spawn({ command: 'echo', args: ['hi'] });
    p.on('output', () => {
      throw new Error('host bug');
    });
    await p.exited;
    await waitFor(() => heard.length > 0, 'the manager error event');
    expect(heard[0]![0]).toBeInstanceOf(ListenerError);
    expect(heard[0]![0].message).toContain('output');
    expect(heard[0]![1]).toBe(p);
  });

  it('with no error listener anywhere, one process warning', async () => {
    const pm = newManager();
    const warnings: Error[] = [];
    const onWarning = (w: Error): void => void warnings.push(w);
    process.on('warning', onWarning);
    try {
      const p = pm.spawn({ command: 'echo', args: ['hi'] });
      p.on('output', () => {
        throw new Error('unheard host bug');
      });
      await p.exited;
      await waitFor(() => warnings.some((w) => w.message.includes('unheard host bug')), 'a warning');
      expect(warnings.filter((w) => w.message.includes('unheard host bug'))).toHaveLength(1);
      expect((warnings.find((w) => w.message.includes('unheard host bug')) as Error & { code?: string }).code).toBe('PROCWARD_LISTENER_FAILED');
    } finally {
      process.off('warning', onWarning);
    }
  });
});
