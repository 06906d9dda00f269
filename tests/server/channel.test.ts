import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import type { Action } from '../../src/server/access.js';
import { defineCommand } from '../../src/server/templates.js';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';
import { lineNumbers, upTo } from '../helpers/numbered.js';
import { Peer } from './channel-peer.js';

const newManager = useManager();
const peers: Peer[] = [];
function peer(...args: ConstructorParameters<typeof Peer>): Peer {
  const p = new Peer(...args);
  peers.push(p);
  return p;
}

describe('createChannel: the protocol over a MessagePort', () => {
  it('asks for auth with a version it speaks first, and answers bad messages with an error, staying open', async () => {
    const pm = newManager();
    const c = peer(pm);
    expect(await c.request({ type: 'list' })).toMatchObject({ type: 'error', code: 'NOT_AUTHENTICATED' });
    expect(await c.request({ type: 'auth', v: PROTOCOL_VERSION + 1 })).toMatchObject({ type: 'error', code: 'PROTOCOL_VERSION' });
    expect(await c.request({ type: 'auth', v: PROTOCOL_VERSION })).toMatchObject({ type: 'ready', v: PROTOCOL_VERSION, principal: 'tester' });
    c.send('{not json');
    c.send(42);
    await waitFor(() => c.of('error').filter((e) => e.code === 'BAD_MESSAGE').length >= 2, 'two BAD_MESSAGE errors');
    expect(await c.request({ type: 'launch-missiles' })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE' });
    expect(await c.request({ type: 'subscribe', id: 'x', since: -1 })).toMatchObject({ type: 'error', code: 'BAD_MESSAGE', message: expect.stringContaining('since') });
    expect(await c.request({ type: 'subscribe', id: 'nope' })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    c.send('x'.repeat(2 << 20));
    await waitFor(() => c.of('error').some((e) => e.code === 'MESSAGE_TOO_LARGE'), 'MESSAGE_TOO_LARGE');
    expect(await c.request({ type: 'list' })).toMatchObject({ type: 'ok', result: [] });
  });

  it('replays and follows output with exact offsets, and sends the exit after the last byte', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('trickle.mjs', 40, 5));
    const c = peer(pm);
    await c.auth();
    await p.waitForOutput('"n":5');
    expect(await c.request({ type: 'subscribe', id: p.id, since: 0 })).toMatchObject({ type: 'ok', result: { id: p.id } });
    await waitFor(() => c.of('exit', p.id).length === 1, 'the exit');
    const got = c.bytes(p.id, 0);
    expect(got.data.equals(p.output.read({ since: 0 }).data)).toBe(true);
    expect(got.data.toString().trim().split('\n')).toHaveLength(40);
    const last = c.received.map((m) => m.type).lastIndexOf('output');
    expect(c.received.findIndex((m) => m.type === 'exit')).toBeGreaterThan(last);
    expect(c.of('state', p.id).at(-1)).toMatchObject({ to: 'completed' });
  });

  it('a client that drops and comes back with its offset gets exactly the missing bytes, again and again', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('trickle.mjs', 200, 2));
    let at = 0;
    const parts: Buffer[] = [];
    for (let round = 0; p.exit === null || round < 4; round++) {
      const c = peer(pm);
      await c.auth();
      await c.request({ type: 'subscribe', id: p.id, since: at });
      // Cut off once it has something new, or at once when the process has ended.
      await waitFor(() => c.of('output', p.id).length > 0 || c.of('exit', p.id).length > 0, 'output in this round');
      c.close();
      const got = c.bytes(p.id, at);
      parts.push(got.data);
      at = got.to;
      if (p.exit !== null && at === p.info.outputBytes) break;
    }
    const whole = Buffer.concat(parts);
    expect(whole.equals(p.output.read({ since: 0 }).data)).toBe(true);
    expect(lineNumbers(whole)).toEqual(upTo(200));
  });

  it('tells a client what was evicted before it got it', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('flood.mjs', 256 * 1024), output: { maxBytes: 16 * 1024 } });
    await p.exited;
    const c = peer(pm);
    await c.auth();
    await c.request({ type: 'subscribe', id: p.id, since: 0 });
    await waitFor(() => c.of('exit', p.id).length === 1, 'the exit');
    const dropped = c.of('dropped', p.id);
    expect(dropped).toEqual([{ type: 'dropped', id: p.id, from: 0, to: 256 * 1024 - 16 * 1024 }]);
    const got = c.bytes(p.id, 0);
    expect(got.to).toBe(256 * 1024);
    expect(got.data.equals(p.output.read().data)).toBe(true);
  });

  it('coalesces many small chunks into few messages, offsets exact', async () => {
    const pm = newManager();
    // 3000 writes of a few bytes each, as fast as the child can make them.
    const p = pm.spawn({ command: process.execPath, args: ['-e', 'for (let i = 0; i < 3000; i++) require("fs").writeSync(1, i + "\\n")'] });
    const c = peer(pm, { batch: { intervalMs: 20, maxBytes: 64 * 1024 } });
    await c.auth();
    await c.request({ type: 'subscribe', id: p.id, since: 0 });
    await waitFor(() => c.of('exit', p.id).length === 1, 'the exit');
    const got = c.bytes(p.id, 0);
    expect(got.data.toString().trim().split('\n')).toHaveLength(3000);
    expect(c.of('output', p.id).length).toBeLessThan(300);
  });

  it('stops feeding a client whose transport is full, and goes on from its offset when it drains', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('flood.mjs', 4 * 1024 * 1024), output: { maxBytes: 256 * 1024 } });
    let full = true;
    const c = peer(pm, { buffered: () => (full ? Number.MAX_SAFE_INTEGER : 0), batch: { maxBytes: 16 * 1024 } });
    await c.auth();
    await c.request({ type: 'subscribe', id: p.id, since: 0 });
    await p.exited;
    // Paused after its first message: nothing else went out while the child wrote 4 MiB.
    await waitFor(() => c.of('output', p.id).length === 1, 'the first message');
    expect(c.of('output', p.id)).toHaveLength(1);
    full = false;
    c.channel.drained();
    await waitFor(() => c.of('exit', p.id).length === 1, 'the exit after draining');
    const got = c.bytes(p.id, 0);
    expect(got.to).toBe(4 * 1024 * 1024);
    expect(c.of('dropped', p.id).length).toBeGreaterThan(0);
  });

  it('a process authorize() refuses is one that does not exist; list and events leave it out', async () => {
    const pm = newManager();
    const mine = pm.spawn({ command: 'sleep', args: ['30'], label: 'mine' });
    const theirs = pm.spawn({ command: 'sleep', args: ['30'], label: 'theirs' });
    const asked: Action[] = [];
    const c = peer(pm, {
      authorize: (_principal, action, target) => {
        asked.push(action);
        return target.process === undefined || target.process.label === 'mine';
      },
    });
    await c.auth();
    const list = await c.request({ type: 'list' });
    expect(list).toMatchObject({ type: 'ok', result: [{ id: mine.id }] });
    for (const type of ['subscribe', 'stop', 'kill', 'write']) {
      expect(await c.request({ type, id: theirs.id, ...(type === 'write' ? { data: 'x' } : {}) })).toMatchObject({ type: 'error', code: 'NOT_FOUND' });
    }
    await c.request({ type: 'events', on: true });
    await theirs.stop();
    expect(await c.request({ type: 'stop', id: mine.id })).toMatchObject({ type: 'ok', result: { state: 'stopped' } });
    await waitFor(() => c.of('exit', mine.id).length === 1, 'the exit of the visible process');
    expect(c.received.some((m) => 'id' in m && m.id === theirs.id && m.type !== 'error')).toBe(false);
    expect(asked).toEqual(expect.arrayContaining(['list', 'read', 'stop', 'kill', 'write', 'events']));
  });

  it('starts only named templates, with params checked by their schema, and never through a shell', async () => {
    const pm = newManager();
    const commands = {
      echo: defineCommand({ params: z.strictObject({ text: z.string().max(100) }), spawn: (p) => ({ command: 'echo', args: [p.text] }) }),
      shelly: defineCommand({ spawn: () => ({ command: 'echo hi', shell: true }) }),
    };
    const c = peer(pm, { commands });
    await c.auth();
    expect(await c.request({ type: 'spawn', command: 'rm' })).toMatchObject({ type: 'error', code: 'UNKNOWN_COMMAND', message: expect.stringContaining('echo') });
    expect(await c.request({ type: 'spawn', command: 'echo', params: { text: 1 } })).toMatchObject({ type: 'error', code: 'INVALID_OPTIONS' });
    expect(await c.request({ type: 'spawn', command: 'echo', params: { text: 'a', cmd: 'b' } })).toMatchObject({ type: 'error', code: 'INVALID_OPTIONS' });
    expect(await c.request({ type: 'spawn', command: 'shelly' })).toMatchObject({ type: 'error', code: 'INVALID_OPTIONS', message: expect.stringContaining('shell') });
    expect(await c.request({ type: 'spawn', command: 'toString' })).toMatchObject({ type: 'error', code: 'UNKNOWN_COMMAND' });
    const ok = await c.request({ type: 'spawn', command: 'echo', params: { text: '$(touch /tmp/pw-never); `id`' }, label: 'from-client' });
    expect(ok).toMatchObject({ type: 'ok', result: { label: 'from-client' } });
    const p = pm.get((ok as { result: { id: string } }).result.id)!;
    await p.exited;
    expect(p.output.read().data.toString()).toBe('$(touch /tmp/pw-never); `id`\n');
  });

  it('writes input and resizes a terminal', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('echo-stdin.mjs'), stdin: 'pipe' });
    const t = pm.spawn({ command: 'bash', args: ['--norc', '--noprofile'], pty: { cols: 80, rows: 24 } });
    const c = peer(pm);
    await c.auth();
    expect(await c.request({ type: 'write', id: p.id, data: Buffer.from('héllo\n').toString('base64'), encoding: 'base64' })).toMatchObject({ type: 'ok' });
    await p.waitForOutput('echo:héllo');
    expect(await c.request({ type: 'resize', id: t.id, cols: 100, rows: 30 })).toMatchObject({ type: 'ok' });
    await c.request({ type: 'write', id: t.id, data: 'stty size\n' });
    await t.waitForOutput('30 100');
    expect(await c.request({ type: 'resize', id: p.id, cols: 100, rows: 30 })).toMatchObject({ type: 'error', code: 'NOT_SUPPORTED' });
  });

  it('handles requests in the order they came, even when authorize() answers the later ones first', async () => {
    const pm = newManager();
    const p = pm.spawn({ ...fixture('echo-stdin.mjs'), stdin: 'pipe' });
    const pending: (() => void)[] = [];
    const c = peer(pm, { authorize: (_who, action) => (action === 'write' ? new Promise<boolean>((r) => pending.push(() => r(true))) : true) });
    await c.auth();
    for (const word of ['one', 'two', 'three']) c.send({ type: 'write', id: p.id, data: `${word}\n`, ref: word });
    // Newest first, whatever is waiting: had the three been asked at once, the writes would run backwards.
    for (let answered = 0; answered < 3; answered++) {
      await waitFor(() => pending.length > 0, 'a write waiting for authorize()');
      pending
        .splice(0)
        .reverse()
        .forEach((go) => go());
    }
    await waitFor(() => c.of('ok').length === 3, 'the three writes answered');
    await p.waitForOutput('three');
    expect(p.output.read().data.toString().replace(/echo:/g, '')).toBe('one\ntwo\nthree\n');
  });

  it('close() ends the subscriptions and leaves the processes running', async () => {
    const pm = newManager();
    const p = pm.spawn({ command: 'sleep', args: ['30'] });
    const c = peer(pm);
    await c.auth();
    await c.request({ type: 'subscribe', id: p.id });
    c.close();
    expect(c.channel.closed).toBe(true);
    expect(p.state).toBe('running');
    expect(isAlive(p.pid!)).toBe(true);
    expect(pm.listenerCount('exit')).toBe(0);
  });

  it('refuses bad options with a clear error', () => {
    const pm = newManager();
    expect(() => peer(pm, { send: 'nope' as never })).toThrow(/send must be a function/);
    expect(() => peer(pm, { principal: { id: '' } })).toThrow(/principal must be an object with a non-empty string id/);
    expect(() => peer(pm, { commands: { x: { params: { not: 'zod' }, spawn: () => ({ command: 'true' }) } as never } })).toThrow(/commands.x.params must be a zod schema/);
    expect(() => peer(pm, { limits: { maxMessageBytes: -1 } })).toThrow(/limits.maxMessageBytes/);
    expect(() => peer(pm, { bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
  });
});

// Each peer's ports are closed, so that none keeps the worker alive.
import { afterEach } from 'vitest';
afterEach(() => {
  for (const p of peers.splice(0)) p.close();
});
