import { createServer as createHttpServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect } from '../../src/client/client.js';
import type { WebSocketConstructor } from '../../src/client/websocket-transport.js';
import { createServer, type ProcwardServer } from '../../src/server/websocket-server.js';
import { fixture, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';
import { lineNumbers, upTo } from '../helpers/numbered.js';

const TOKEN = 'reconnect-token-0123456789';
let server: ProcwardServer | undefined;
let http: Server | undefined;
afterEach(async () => {
  await server?.close();
  if (http) await new Promise((r) => http!.close(r));
  server = http = undefined;
});
const newManager = useManager();

describe('connect(url): a client that comes back', () => {
  it('cut off from the server side several times mid-stream, it resumes each subscription with nothing lost or repeated', async () => {
    const pm = newManager();
    server = createServer(pm, { auth: { tokens: [TOKEN] } });
    const upgraded = new Set<Duplex>();
    http = createHttpServer();
    http.on('upgrade', (req, socket, head) => {
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      if (!server!.upgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((r) => http!.listen(0, '127.0.0.1', () => r()));
    const url = `ws://127.0.0.1:${(http.address() as { port: number }).port}/ws`;

    const p = pm.spawn(fixture('trickle.mjs', 300, 3));
    const c = connect(url, { token: TOKEN, WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: { initialMs: 10, maxMs: 50 } });
    const sub = await c.subscribe(p.id, { since: 0 });
    const parts: Buffer[] = [];
    let cuts = 0;
    let sinceCut = 0;
    for await (const chunk of sub) {
      parts.push(Buffer.from(chunk.data));
      // Every few messages, every socket is destroyed, as a dropped network would.
      if (++sinceCut === 5 && cuts < 4) {
        sinceCut = 0;
        cuts++;
        for (const s of upgraded) s.destroy();
      }
    }
    expect(cuts).toBe(4);
    expect(sub.exit).toMatchObject({ state: 'completed' });
    const whole = Buffer.concat(parts);
    expect(whole.equals(p.output.read({ since: 0 }).data)).toBe(true);
    expect(lineNumbers(whole)).toEqual(upTo(300));
    // Requests work on the connection it came back on.
    await waitFor(async () => (await c.list().catch(() => undefined))?.length === 1, 'a list over the new connection');
    c.close();
  });

  it('a refused token rejects ready with UNAUTHORIZED, and the server closes the socket', async () => {
    const pm = newManager();
    server = createServer(pm, { auth: { tokens: [TOKEN] } });
    const { url } = await server.listen();
    const c = connect(url, { token: 'wrong-token-0123456789', WebSocket: WebSocket as unknown as WebSocketConstructor, reconnect: { initialMs: 5, maxMs: 5 } });
    await expect(c.ready).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await waitFor(() => server!.connections === 0, 'the refused socket closed');
    c.close();
  });
});
