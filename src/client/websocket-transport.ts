import type { ClientMessage } from '../protocol/messages.js';
import type { ClientTransport } from './transport.js';

/** The part of the WebSocket API the client uses: the browser's, Node 22's global, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** Where there is no global WebSocket (Node 20): the `ws` package's, say. */
  WebSocket?: WebSocketConstructor;
  /** Delays between attempts to reconnect: from initialMs, doubling to maxMs. false: never reconnect. @default { initialMs: 100, maxMs: 5000 } */
  reconnect?: { initialMs?: number; maxMs?: number } | false;
}

const OPEN = 1;

/**
 * A WebSocket that comes back: when the connection drops (other than by a policy close from the
 * server: a refused token does not become better by retrying), it reconnects with growing delays
 * and tells the client, which authenticates again and resubscribes from its offsets.
 */
export function websocketTransport(url: string, options: WebSocketTransportOptions = {}): ClientTransport {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (!Ctor) throw new TypeError('connect(url): there is no global WebSocket here (Node 20): pass { WebSocket } from the ws package');
  const initialMs = options.reconnect === false ? 0 : (options.reconnect?.initialMs ?? 100);
  const maxMs = options.reconnect === false ? 0 : (options.reconnect?.maxMs ?? 5000);
  const listeners = new Set<(m: unknown) => void>();
  const connection = new Set<(s: 'up' | 'down') => void>();
  const queue: string[] = [];
  let ws: WebSocketLike;
  let delay = initialMs;
  let ended = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let everOpen = false;

  const open = () => {
    ws = new Ctor(url);
    ws.onopen = () => {
      delay = initialMs;
      if (everOpen) for (const l of connection) l('up');
      everOpen = true;
      // What was sent before the first connection opened (the handshake) goes now.
      for (const m of queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => {
      for (const l of listeners) l(typeof ev.data === 'string' ? ev.data : String(ev.data));
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (ended) return;
      if (everOpen) for (const l of connection) l('down');
      if (options.reconnect === false || ev.code === 1008) {
        ended = true;
        return;
      }
      timer = setTimeout(open, delay);
      delay = Math.min(maxMs, delay * 2);
    };
  };
  open();

  return {
    send(message: ClientMessage) {
      const text = JSON.stringify(message);
      if (ws.readyState === OPEN) ws.send(text);
      else if (!everOpen) queue.push(text);
      else throw new Error('not connected');
    },
    onMessage(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onConnection(listener) {
      connection.add(listener);
    },
    close() {
      ended = true;
      clearTimeout(timer);
      ws.close(1000, 'client closed');
    },
  };
}
