import { MessageChannel } from 'node:worker_threads';
import { serveOverPort } from './channel-peer.js';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, RemoteError, type Client, type OutputBytes } from '../../src/client/client.js';
import { createChannel, type Channel } from '../../src/server/channel.js';
import { defineCommand } from '../../src/server/templates.js';
import type { ProcessManager } from '../../src/index.js';
import { z } from 'zod';
import { fixture, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';

const newManager = useManager();
const open: { client: Client; channel: Channel; close: () => void }[] = [];
afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

/** A channel and a client on the two ends of a real MessageChannel. */
function pair(pm: ProcessManager, extra: Partial<Parameters<typeof createChannel>[1]> = {}) {
  const served = serveOverPort(pm, { principal: { id: 'ui' }, ...extra });
  const client = connect(served.port as never);
  const o = {
    client,
    channel: served.channel,
    close: () => {
      client.close();
      served.close();
    },
  };
  open.push(o);
  return o;
}

const text = (chunks: OutputBytes[]) => Buffer.concat(chunks.map((c) => c.data)).toString();

describe('procward/client over a MessagePort', () => {
  it('follows a process to its exit as an async iterator, and resumes from its offset on a new connection', async () => {
    const pm = newManager();
    const p = pm.spawn(fixture('trickle.mjs', 60, 3));
    const first = pair(pm);
    await first.client.ready;
    const sub = await first.client.subscribe(p.id, { since: 0 });
    const got: OutputBytes[] = [];
    for await (const chunk of sub) {
      got.push(chunk);
      if (got.length === 3) break;
    }
    sub.close();
    const resumeAt = sub.offset;
    first.close();

    const second = pair(pm);
    const rest = await second.client.subscribe(p.id, { since: resumeAt });
    for await (const chunk of rest) got.push(chunk);
    expect(rest.exit).toMatchObject({ state: 'completed' });
    expect(text(got)).toBe(p.output.read({ since: 0 }).data.toString());
    expect(rest.ended).toBe(true);
  });

  it('rejects a request the server refuses with its code, and starts templates by name', async () => {
    const pm = newManager();
    const { client } = pair(pm, { commands: { say: defineCommand({ params: z.strictObject({ text: z.string() }), spawn: ({ text }) => ({ command: 'echo', args: [text] }) }) } });
    await expect(client.subscribe('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(client.spawn('rm', { path: '/' })).rejects.toBeInstanceOf(RemoteError);
    const info = await client.spawn('say', { text: 'hi there' }, { label: 'greeting' });
    expect(info).toMatchObject({ label: 'greeting' });
    const p = pm.get(info.id as string)!;
    await p.exited;
    expect(p.output.read().data.toString()).toBe('hi there\n');
  });

  it('sends input as text or bytes, and hears manager events', async () => {
    const pm = newManager();
    const { client } = pair(pm);
    await client.events(true);
    const spawned: string[] = [];
    const exits: string[] = [];
    client.on('spawned', (id) => spawned.push(id));
    client.on('exit', (id) => exits.push(id));
    const p = pm.spawn({ ...fixture('echo-stdin.mjs'), stdin: 'pipe' });
    await client.write(p.id, 'one\n');
    await p.waitForOutput('echo:one'); // the fixture prefixes each chunk it reads: one write at a time
    await client.write(p.id, new Uint8Array([0x74, 0x77, 0x6f, 0x0a]));
    await p.waitForOutput('echo:two');
    expect(await client.stop(p.id)).toMatchObject({ state: 'stopped' });
    await waitFor(() => exits.includes(p.id), 'the exit event');
    expect(spawned).toContain(p.id);
    expect(await client.list()).toEqual([expect.objectContaining({ id: p.id, state: 'stopped' })]);
  });

  it('a server speaking another version fails ready, and every request with it', async () => {
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: { ref?: string }) => port1.postMessage({ type: 'error', code: 'PROTOCOL_VERSION', message: 'version 9 only', ref: m.ref }));
    const client = connect(port2 as never);
    open.push({ client, channel: { close() {}, drained() {}, closed: true }, close: () => (client.close(), port1.close(), port2.close()) });
    await expect(client.ready).rejects.toMatchObject({ code: 'PROTOCOL_VERSION' });
    await expect(client.list()).rejects.toMatchObject({ code: 'PROTOCOL_VERSION' });
  });
});
