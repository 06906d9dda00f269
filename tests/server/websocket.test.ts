import { createServer as createHttpServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { connect, type Client } from '../../src/client/client.js';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.js';
import { CloseCode, createServer, type ProcwardServer } from '../../src/server/websocket-server.js';
import type { ProcessManager } from '../../src/index.js';
import { fixture, isAlive, waitFor } from '../helpers/proc.js';
import { useManager } from '../helpers/use-manager.js';
import { lineNumbers, upTo } from '../helpers/numbered.js';

const TOKEN = 'test-token-0123456789abcdef';
const servers: ProcwardServer[] = [];
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.terminate();
  for (const s of servers.splice(0)) await s.close();
});
const newManager = useManager({
  beforeShutdown: async () => {
    for (const s of servers.splice(0)) await s.close();
  },
});

async function serve(pm: ProcessManager, extra: Partial<Parameters<typeof createServer>[1]> = {}) {
  const server = createServer(pm, { auth: { tokens: [TOKEN] }, ...extra });
  servers.push(server);
  return { server, ...(await server.listen()) };
}

function open(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  sockets.push(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));

/** A procward client over a socket. */
function clientOf(ws: WebSocket, token = TOKEN): Client {
  return connect(
    {
      send: (m) => ws.send(JSON.stringify(m)),
      onMessage: (listener) => {
        const h = (d: WebSocket.RawData) => listener(d.toString());
        ws.on('message', h);
        return () => ws.off('message', h);
      },
    },
    { token },
  );
}

describe('createServer: the WebSocket endpoint', () => {
  it('refuses a missing or wrong token with a policy-violation close, and serves a right one', async () => {
    const pm = newManager();
    const { url } = await serve(pm);
    const none = await open(url);
    const noneClosed = closed(none);
    none.send(JSON.stringify({ type: 'auth', v: PROTOCOL_VERSION }));
    expect(await noneClosed).toMatchObject({ code: CloseCode.POLICY_VIOLATION });

    const wrong = await open(url);
    const wrongClosed = closed(wrong);
    const answers: string[] = [];
    wrong.on('message', (d) => answers.push(d.toString()));
    wrong.send(JSON.stringify({ type: 'auth', v: PROTOCOL_VERSION, token: TOKEN.slice(0, -1) + 'X', ref: 'a' }));
    expect(await wrongClosed).toMatchObject({ code: CloseCode.POLICY_VIOLATION });
    expect(JSON.parse(answers[0]!)).toMatchObject({ type: 'error', code: 'UNAUTHORIZED', ref: 'a' });

    const notAuthFirst = await open(url);
    const nafClosed = closed(notAuthFirst);
    notAuthFirst.send(JSON.stringify({ type: 'list' }));
    expect(await nafClosed).toMatchObject({ code: CloseCode.POLICY_VIOLATION });

    const c = clientOf(await open(url));
    await c.ready;
    expect(await c.list()).toEqual([]);

    // A token in the upgrade's Authorization header does as well.
    const viaHeader = clientOf(await open(url, { authorization: `Bearer ${TOKEN}` }), undefined as never);
    await viaHeader.ready;
  });

  it('refuses an upgrade from an Origin that is not allowed, before any byte of the protocol', async () => {
    const pm = newManager();
    const { url, port } = await serve(pm);
    await expect(open(url, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    // The server's own origin is allowed by default.
    await open(url, { origin: `http://127.0.0.1:${port}` });
    const listed = await serve(pm, { allowedOrigins: ['http://ui.local:3000'] });
    await open(listed.url, { origin: 'http://ui.local:3000' });
    await expect(open(listed.url, { origin: `http://127.0.0.1:${listed.port}` })).rejects.toThrow('HTTP 403');
  });

  it('enforces maxConnections, and closes an oversized message with 1009 while the server stays up', async () => {
    const pm = newManager();
    const { url, server } = await serve(pm, { limits: { maxConnections: 2, maxMessageBytes: 4096 } });
    const a = await open(url);
    await open(url);
    await expect(open(url)).rejects.toThrow('HTTP 503');
    const aClosed = closed(a);
    a.send('x'.repeat(8192));
    expect(await aClosed).toMatchObject({ code: CloseCode.TOO_BIG });
    await waitFor(() => server.connections === 1, 'the big one gone');
    const c = clientOf(await open(url));
    await c.ready;
  });

  it('streams a process over the socket, and a client cut off mid-stream resumes from its offset with nothing lost or repeated', async () => {
    const pm = newManager();
    const { url } = await serve(pm);
    const p = pm.spawn(fixture('trickle.mjs', 150, 2));
    const parts: Buffer[] = [];
    let at = 0;
    for (let round = 0; round < 50; round++) {
      const ws = await open(url);
      const c = clientOf(ws);
      const sub = await c.subscribe(p.id, { since: at });
      // Polled, not awaited as events: a socket read can carry the answer and the output after it in one turn.
      await waitFor(() => sub.offset > at || sub.ended, 'output or the exit in this round');
      // Cut off the hard way, mid-stream: no closing handshake.
      ws.terminate();
      c.close();
      for await (const chunk of sub) parts.push(Buffer.from(chunk.data));
      at = sub.offset;
      if (p.exit !== null && at === p.info.outputBytes) break;
    }
    const whole = Buffer.concat(parts);
    expect(whole.equals(p.output.read({ since: 0 }).data)).toBe(true);
    expect(lineNumbers(whole)).toEqual(upTo(150));
  });

  it('mounts on an existing http.Server beside the host routes; close() ends clients with 1001 and the processes run on', async () => {
    const pm = newManager();
    const server = createServer(pm, { auth: { tokens: [TOKEN] } });
    servers.push(server);
    const http = createHttpServer((_req, res) => res.end('host route'));
    http.on('upgrade', (req, socket, head) => {
      if (!server.upgrade(req, socket, head)) socket.destroy();
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (http.address() as { port: number }).port;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('host route');
      const p = pm.spawn({ command: 'sleep', args: ['30'] });
      const ws = await open(`ws://127.0.0.1:${port}/api/procward/ws`);
      const c = clientOf(ws);
      await c.subscribe(p.id);
      const bye = closed(ws);
      await server.close();
      expect(await bye).toMatchObject({ code: CloseCode.GOING_AWAY });
      expect(p.state).toBe('running');
      expect(isAlive(p.pid!)).toBe(true);
    } finally {
      await new Promise((r) => http.close(r));
    }
  });

  it('refuses bad options', () => {
    const pm = newManager();
    expect(() => createServer(pm, {} as never)).toThrow(/auth/);
    expect(() => createServer(pm, { auth: { tokens: ['short'] } })).toThrow(/at least 16 characters/);
    expect(() => createServer(pm, { auth: { tokens: [TOKEN] }, limits: { maxConnections: 0 } })).toThrow(/maxConnections/);
  });
});
