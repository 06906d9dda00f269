import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { ProcessManager } from '../../src/index.js';
import { PROTOCOL_VERSION, ServerMessageSchema, type ServerMessage } from '../../src/protocol/messages.js';
import { createChannel, type Channel, type ChannelOptions } from '../../src/server/channel.js';
import { waitFor } from '../helpers/proc.js';

/** A channel served on one end of a real MessageChannel; `port` is the client's end. */
export function serveOverPort(pm: ProcessManager, options: Partial<ChannelOptions> = {}): { channel: Channel; port: MessagePort; close: () => void } {
  const { port1, port2 } = new MessageChannel();
  const channel = createChannel(pm, {
    principal: { id: 'tester' },
    send: (m) => port1.postMessage(m),
    onMessage: (listener) => {
      port1.on('message', listener);
      return () => port1.off('message', listener);
    },
    ...options,
  });
  return {
    channel,
    port: port2,
    close: () => {
      channel.close();
      port1.close();
      port2.close();
    },
  };
}

/**
 * The client's end of a channel served over a real MessageChannel (structured clone, as an
 * Electron or worker port would carry it): what it sends goes through the port, and every message
 * it receives is checked against the exported ServerMessageSchema.
 */
export class Peer {
  readonly received: ServerMessage[] = [];
  readonly channel: Channel;
  readonly #port: MessagePort;
  readonly #close: () => void;
  #refs = 0;

  constructor(pm: ProcessManager, options: Partial<ChannelOptions> = {}) {
    const served = serveOverPort(pm, options);
    this.channel = served.channel;
    this.#port = served.port;
    this.#close = served.close;
    this.#port.on('message', (m: unknown) => this.received.push(ServerMessageSchema.parse(m)));
  }

  send(message: unknown): void {
    this.#port.postMessage(message);
  }

  /** Sends a request with a fresh ref and resolves with its answer (`ok` or `error`). */
  async request(message: Record<string, unknown>): Promise<ServerMessage> {
    const ref = `r${++this.#refs}`;
    this.send({ ...message, ref });
    return waitFor(() => this.received.find((m) => (m.type === 'ok' || m.type === 'error' || m.type === 'ready') && m.ref === ref), `an answer to ${String(message.type)} ${ref}`);
  }

  async auth(): Promise<void> {
    const answer = await this.request({ type: 'auth', v: PROTOCOL_VERSION });
    if (answer.type !== 'ready') throw new Error(`auth answered ${JSON.stringify(answer)}`);
  }

  of<T extends ServerMessage['type']>(type: T, id?: string): Extract<ServerMessage, { type: T }>[] {
    return this.received.filter((m): m is Extract<ServerMessage, { type: T }> => m.type === type && (id === undefined || ('id' in m && m.id === id)));
  }

  /** The output bytes received for `id`, checked to be contiguous from `from`; returns them and the offset after them. */
  bytes(id: string, from: number): { data: Buffer; to: number } {
    let at = from;
    const parts: Buffer[] = [];
    for (const m of this.received) {
      if (!('id' in m) || m.id !== id) continue;
      if (m.type === 'dropped') {
        if (m.from !== at) throw new Error(`dropped from ${m.from}, expected ${at}`);
        at = m.to;
      }
      if (m.type !== 'output') continue;
      if (m.offset !== at) throw new Error(`output at ${m.offset}, expected ${at}: a gap or a duplicate`);
      const b = Buffer.from(m.data, 'base64');
      parts.push(b);
      at += b.length;
    }
    return { data: Buffer.concat(parts), to: at };
  }

  close(): void {
    this.#close();
  }
}
