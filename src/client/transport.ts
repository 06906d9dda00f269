import type { ClientMessage } from '../protocol/messages.js';

/** A message transport: the client's end of what createChannel serves (a MessagePort, an IPC pair, a socket). */
export interface ClientTransport {
  send(message: ClientMessage): void;
  /** Registers the listener for the server's messages (objects, or JSON text); returns a function that removes it. */
  onMessage(listener: (message: unknown) => void): () => void;
  /**
   * For a transport that can lose its connection and make a new one (a WebSocket): `down` when it
   * is lost, `up` when a new one is open. The client then authenticates again and resubscribes
   * each subscription from the offset after its last byte.
   */
  onConnection?(listener: (state: 'up' | 'down') => void): void;
  /** Ends the transport for good (no reconnecting). */
  close?(): void;
}

/** Anything with postMessage and message events: a MessagePort (browser or Node), a Worker, a BroadcastChannel. */
export interface PortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  start?(): void;
}

/** The transport of a MessagePort-like object. */
export function portTransport(port: PortLike): ClientTransport {
  return {
    send: (m) => port.postMessage(m),
    onMessage: (listener) => {
      const h = (e: { data: unknown }) => listener(e.data);
      port.addEventListener('message', h);
      port.start?.(); // a browser MessagePort delivers nothing until started
      return () => port.removeEventListener('message', h);
    },
  };
}
