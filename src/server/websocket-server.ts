import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { InvalidOptionsError } from '../errors/procward-error.js';
import { parseOptions } from '../options/parse.js';
import { ClientMessageSchema, type ServerMessage } from '../protocol/messages.js';
import type { ProcessManager } from '../registry/process-manager.js';
import type { Authorize, Principal } from './access.js';
import { createChannel, type Channel } from './channel.js';
import type { SpawnTemplates } from './templates.js';
import { digest, tokenMatches } from './tokens.js';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

export const ServerOptionsSchema = z.strictObject({
  auth: z.union([
    z.strictObject({ tokens: z.array(z.string().min(16, 'a token must have at least 16 characters')).min(1, 'auth.tokens needs at least one token') }),
    z.strictObject({ authenticate: fn<(req: IncomingMessage, token: string | undefined) => Principal | null | Promise<Principal | null>>('auth.authenticate') }),
  ]),
  authorize: fn<Authorize>('authorize').optional(),
  /** Origins (scheme://host:port) a browser may connect from. None: only the server's own origin. */
  allowedOrigins: z.array(z.string().min(1)).optional(),
  limits: z
    .strictObject({
      maxMessageBytes: z.number().int().positive().optional(),
      maxConnections: z.number().int().positive().optional(),
      maxClientBufferBytes: z.number().int().positive().optional(),
    })
    .optional(),
  batch: z.strictObject({ intervalMs: z.number().int().min(0).max(1000).optional(), maxBytes: z.number().int().min(1).optional() }).optional(),
  /** Milliseconds a client has to authenticate (its first message, when the upgrade carried no token). @default 10000 */
  authTimeoutMs: z.number().int().positive().optional(),
});

export type ServerOptions = z.input<typeof ServerOptionsSchema> & { commands?: SpawnTemplates };

/** WebSocket close codes the server uses. */
export const CloseCode = { GOING_AWAY: 1001, POLICY_VIOLATION: 1008, TOO_BIG: 1009, TRY_AGAIN_LATER: 1013 } as const;

export interface ProcwardServer {
  /** The WebSocket endpoint, for an existing http.Server's 'upgrade' event. Upgrades to a path not ending in /ws are left alone (false). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Starts an http.Server of its own (loopback unless told otherwise) serving the endpoint at /ws. */
  listen(options?: { port?: number; host?: string }): Promise<{ url: string; port: number }>;
  /** Closes every client (1001) and the server listen() started; never stops the manager's processes. */
  close(): Promise<void>;
  readonly connections: number;
}

const DEFAULT_MAX_CONNECTIONS = 100;
const DEFAULT_MAX_MESSAGE_BYTES = 1 << 20;

/**
 * `createServer(pm, options)`: the WebSocket endpoint of `procward/server`. Every client is
 * authenticated (no anonymous default), its Origin checked against the allowlist before the
 * upgrade (cross-site WebSocket hijacking), then served by a channel (createChannel): the
 * protocol, authorization, templates, batching and backpressure are the channel's; this file only
 * admits sockets and moves messages.
 */
export function createServer(pm: ProcessManager, options: ServerOptions): ProcwardServer {
  const { commands, ...rest } = options ?? ({} as ServerOptions);
  const o = parseOptions(ServerOptionsSchema, rest, 'createServer options');
  if (commands !== undefined && (typeof commands !== 'object' || commands === null)) {
    throw new InvalidOptionsError('createServer options', [{ path: 'commands', message: 'commands must be an object of templates by name' }]);
  }
  const tokens = 'tokens' in o.auth ? o.auth.tokens.map(digest) : undefined;
  const authenticate = 'authenticate' in o.auth ? o.auth.authenticate : undefined;
  const maxConnections = o.limits?.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  const maxMessageBytes = o.limits?.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const authTimeoutMs = o.authTimeoutMs ?? 10_000;
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxMessageBytes, perMessageDeflate: false });
  const live = new Set<WebSocket>();
  let http: Server | undefined;
  let closing = false;

  const who = async (req: IncomingMessage, token: string | undefined): Promise<Principal | null> => {
    if (tokens) return token !== undefined && tokenMatches(token, tokens) ? { id: 'token' } : null;
    const p = await authenticate!(req, token);
    return p && typeof p.id === 'string' && p.id !== '' ? p : null;
  };

  function refuse(socket: Duplex, status: number, reason: string): void {
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n${JSON.stringify({ error: reason, code: status === 403 ? 'FORBIDDEN' : status === 404 ? 'NOT_FOUND' : 'UNAVAILABLE' })}`,
    );
    socket.destroy();
  }

  function originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser: nothing to hijack; the token still decides
    if (o.allowedOrigins) return o.allowedOrigins.includes(origin);
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(req.url ?? '/', 'http://x');
    if (!url.pathname.endsWith('/ws')) return false;
    socket.on('error', () => socket.destroy());
    if (closing) return (refuse(socket, 503, 'Server closing'), true);
    if (!originAllowed(req)) return (refuse(socket, 403, 'Origin not allowed'), true);
    if (live.size >= maxConnections) return (refuse(socket, 503, 'Too many connections'), true);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    wss.handleUpgrade(req, socket, head, (ws) => {
      live.add(ws);
      ws.on('close', () => live.delete(ws));
      ws.on('error', () => ws.terminate());
      void admit(ws, req, bearer);
    });
    return true;
  }

  /** Waits for the first message (auth) when the upgrade carried no token; then hands the socket to a channel. */
  async function admit(ws: WebSocket, req: IncomingMessage, bearer: string | undefined): Promise<void> {
    const first = await new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), authTimeoutMs);
      ws.once('message', (d, binary) => {
        clearTimeout(timer);
        resolve(binary ? undefined : d.toString());
      });
      ws.once('close', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    if (first === undefined) return ws.close(CloseCode.POLICY_VIOLATION, 'auth expected first');
    let parsed: unknown;
    try {
      parsed = JSON.parse(first);
    } catch {
      /* refused below */
    }
    const auth = ClientMessageSchema.safeParse(parsed);
    if (!auth.success || auth.data.type !== 'auth') return ws.close(CloseCode.POLICY_VIOLATION, 'auth expected first');
    const principal = await who(req, auth.data.token ?? bearer).catch(() => null);
    if (!principal) {
      const reject: ServerMessage = { type: 'error', code: 'UNAUTHORIZED', message: 'a valid token is needed', ...(auth.data.ref ? { ref: auth.data.ref } : {}) };
      ws.send(JSON.stringify(reject));
      return ws.close(CloseCode.POLICY_VIOLATION, 'unauthorized');
    }
    if (ws.readyState !== ws.OPEN) return;
    let channel: Channel | undefined = undefined;
    const listeners = new Set<(m: unknown) => void>();
    channel = createChannel(pm, {
      principal,
      ...(commands ? { commands } : {}),
      ...(o.authorize ? { authorize: o.authorize } : {}),
      ...(o.batch ? { batch: o.batch } : {}),
      limits: { maxMessageBytes, ...(o.limits?.maxClientBufferBytes ? { maxClientBufferBytes: o.limits.maxClientBufferBytes } : {}) },
      buffered: () => ws.bufferedAmount,
      send: (m) => {
        if (ws.readyState !== ws.OPEN) throw new Error('socket closed');
        // The callback runs once the frame is written: the moment to let paused subscriptions go on.
        ws.send(JSON.stringify(m), () => channel?.drained());
      },
      onMessage: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    });
    ws.on('message', (d, binary) => {
      for (const l of listeners) l(binary ? 'binary frames are not part of the protocol' : d.toString());
    });
    ws.on('close', () => channel?.close());
    // The auth message itself goes to the channel, which checks the protocol version and answers ready.
    for (const l of listeners) l(first);
  }

  return {
    upgrade,
    get connections() {
      return live.size;
    },
    async listen(opts = {}) {
      if (http) throw new InvalidOptionsError('listen', [{ path: '', message: 'this server is listening already' }]);
      const host = opts.host ?? '127.0.0.1';
      http = createHttpServer((_req, res) => {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'the WebSocket endpoint is /ws', code: 'NOT_FOUND' }));
      });
      http.on('upgrade', (req, socket, head) => {
        if (!upgrade(req as IncomingMessage, socket, head)) refuse(socket, 404, 'Not found');
      });
      await new Promise<void>((resolve, reject) => {
        http!.once('error', reject);
        http!.listen(opts.port ?? 0, host, () => resolve());
      });
      const port = (http.address() as { port: number }).port;
      const h = host.includes(':') ? `[${host}]` : host;
      return { url: `ws://${h}:${port}/ws`, port };
    },
    async close() {
      closing = true;
      const gone = [...live].map((ws) => new Promise((r) => ws.once('close', r)));
      for (const ws of live) ws.close(CloseCode.GOING_AWAY, 'server closing');
      // A client that does not answer the closing handshake is cut off after a while.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(gone), new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      for (const ws of live) ws.terminate();
      wss.close();
      if (http) await new Promise<void>((r) => http!.close(() => r()));
    },
  };
}
