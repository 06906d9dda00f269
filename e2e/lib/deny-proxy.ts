// A proxy that lets nothing through. The offline envs point HTTP(S)_PROXY/ALL_PROXY at it so that any attempt
// to reach a host other than the local mocks is refused fast (no DNS wait, no retry storm) and shows up in
// `attempts`, which a test can assert to be empty.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface ProxyAttempt {
  /** 'connect' for HTTPS tunnels (CONNECT host:port), 'http' for plain proxied requests. */
  kind: 'connect' | 'http';
  /** host:port for CONNECT, the absolute URL (or path, for a client that took the proxy for a server) for http. */
  target: string;
  method: string;
  userAgent?: string;
  at: number;
}

export interface DenyProxy {
  url: string;
  attempts: ProxyAttempt[];
  close(): Promise<void>;
}

export async function startDenyProxy(): Promise<DenyProxy> {
  const attempts: ProxyAttempt[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const ua = req.headers['user-agent'];
    attempts.push({ kind: 'http', target: req.url ?? '', method: req.method ?? '', ...(ua ? { userAgent: ua } : {}), at: Date.now() });
    // 403 rather than a dropped socket: clients report it at once instead of retrying a "network error".
    res.writeHead(403, { 'content-type': 'text/plain', connection: 'close' });
    res.end('blocked by the e2e deny proxy\n');
  });
  server.on('connect', (req, socket: Socket) => {
    const ua = req.headers['user-agent'];
    attempts.push({ kind: 'connect', target: req.url ?? '', method: 'CONNECT', ...(ua ? { userAgent: ua } : {}), at: Date.now() });
    socket.on('error', () => {});
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    attempts,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // CONNECT sockets are not tracked by closeAllConnections.
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      }),
  };
}
