import { EventEmitter } from 'eventemitter3';
import { PROTOCOL_VERSION, ServerMessageSchema, type ClientMessage, type ServerMessage } from '../protocol/messages.js';
import { portTransport, type ClientTransport, type PortLike } from './transport.js';
import { websocketTransport, type WebSocketTransportOptions } from './websocket-transport.js';

/**
 * Browser-safe: nothing here uses a Node built-in, so that a renderer, a web page or a worker can
 * load it. Bytes are Uint8Arrays, decoded from the protocol's base64 with atob.
 */

/** A request the server answered with `error`: its wire code (the library's error codes, and the protocol's own) and message. */
export class RemoteError extends Error {
  readonly code: string;
  readonly id: string | undefined;
  constructor(code: string, message: string, id?: string) {
    super(message);
    this.name = 'RemoteError';
    this.code = code;
    this.id = id;
  }
}

export interface OutputBytes {
  offset: number;
  stream: 'stdout' | 'stderr' | 'pty';
  data: Uint8Array;
}

type State = Extract<ServerMessage, { type: 'state' }>;
type Exit = Extract<ServerMessage, { type: 'exit' }>;
type Dropped = Extract<ServerMessage, { type: 'dropped' }>;

export interface RemoteSubscriptionEvents {
  output: [chunk: OutputBytes];
  dropped: [range: { from: number; to: number }];
  state: [change: { from: string; to: string; reason: string }];
  exit: [exit: Exit['exit']];
}

/**
 * One process's output as a client follows it: events, or an async iterator of chunks that ends
 * after the exit. `offset` is the offset after the last byte received: subscribe again with it as
 * `since` (on a new connection, say) and nothing is missed or repeated.
 */
export class RemoteSubscription extends EventEmitter<RemoteSubscriptionEvents> {
  readonly id: string;
  #offset: number;
  #ended = false;
  #exit: Exit['exit'] | undefined;
  readonly #queue: OutputBytes[] = [];
  #wake: (() => void) | undefined;
  readonly #unsubscribe: () => void;

  /** @internal */
  constructor(id: string, since: number, unsubscribe: () => void) {
    super();
    this.id = id;
    this.#offset = since;
    this.#unsubscribe = unsubscribe;
  }

  get offset(): number {
    return this.#offset;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** The exit record, once the server sent it (it comes after the last byte). */
  get exit(): Exit['exit'] | undefined {
    return this.#exit;
  }

  /** @internal */
  deliver(m: ServerMessage): void {
    if (m.type === 'output') {
      const chunk: OutputBytes = { offset: m.offset, stream: m.stream, data: fromBase64(m.data) };
      this.#offset = m.offset + chunk.data.length;
      this.#queue.push(chunk);
      this.#notify();
      this.emit('output', chunk);
    } else if (m.type === 'dropped') {
      this.#offset = Math.max(this.#offset, (m as Dropped).to);
      this.emit('dropped', { from: m.from, to: m.to });
    } else if (m.type === 'state') {
      const s = m as State;
      this.emit('state', { from: s.from, to: s.to, reason: s.reason });
    } else if (m.type === 'exit') {
      this.#ended = true;
      this.#exit = m.exit;
      this.#notify();
      this.emit('exit', m.exit);
    }
  }

  /** Stops following (the process keeps running). */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#unsubscribe();
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<OutputBytes, void, undefined> {
    for (;;) {
      const next = this.#queue.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  #notify(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }
}

export interface ClientEvents {
  spawned: [id: string, info: Record<string, unknown>];
  state: [id: string, change: { from: string; to: string; reason: string }];
  exit: [id: string, exit: Exit['exit']];
  /** A message from the server that fits no schema, or an error not tied to a request. */
  error: [error: RemoteError];
}

let refs = 0;

/**
 * A client of a channel (createChannel on the other end of `transport`). Requests resolve with
 * the server's answer or reject with a RemoteError; nothing is sent before `ready`.
 */
export class Client extends EventEmitter<ClientEvents> {
  readonly #transport: ClientTransport;
  readonly #token: string | undefined;
  #ready!: Promise<void>;
  #down: (() => void) | undefined;
  readonly #pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: RemoteError) => void }>();
  readonly #subs = new Map<string, RemoteSubscription>();
  readonly #stop: () => void;
  #closed = false;

  constructor(transport: ClientTransport, options: { token?: string } = {}) {
    super();
    this.#transport = transport;
    this.#token = options.token;
    this.#stop = transport.onMessage((raw) => this.#receive(raw));
    void this.#handshake(); // its failure is ready()'s rejection, already handled there
    transport.onConnection?.((state) => (state === 'down' ? this.#lost() : this.#reconnected()));
  }

  /** Resolves once the server accepted the protocol version (rejects with PROTOCOL_VERSION otherwise); after a reconnect, once it did again. */
  get ready(): Promise<void> {
    return this.#ready;
  }

  #handshake(): Promise<void> {
    this.#ready = this.#ask({ type: 'auth', v: PROTOCOL_VERSION, ...(this.#token !== undefined ? { token: this.#token } : {}) }).then(() => undefined);
    // A failed handshake rejects every request made before it; this keeps it from being unhandled.
    this.#ready.catch(() => {});
    return this.#ready;
  }

  /** The connection is gone: what was asked over it has no answer coming; new requests wait for the next one. */
  #lost(): void {
    for (const p of this.#pending.values()) p.reject(new RemoteError('DISCONNECTED', 'the connection was lost before the server answered'));
    this.#pending.clear();
    this.#ready = new Promise<void>((r) => (this.#down = r));
    this.#ready.catch(() => {});
  }

  #reconnected(): void {
    const waiting = this.#down;
    this.#down = undefined;
    const again = this.#handshake();
    // Requests made while the connection was down go on either way (and fail on their own if the handshake did).
    void again.finally(() => waiting?.()).catch(() => {});
    again
      .then(async () => {
        // Each subscription goes on from the byte after the last one it received.
        for (const sub of this.#subs.values()) {
          await this.#ask({ type: 'subscribe', id: sub.id, since: sub.offset }).catch((err: RemoteError) => this.emit('error', err));
        }
      })
      .catch((err: RemoteError) => this.emit('error', err));
  }

  list(): Promise<Record<string, unknown>[]> {
    return this.#request({ type: 'list' }) as Promise<Record<string, unknown>[]>;
  }

  /** Follows a process's output from `since` (default: the oldest byte the server holds). */
  async subscribe(id: string, options: { since?: number } = {}): Promise<RemoteSubscription> {
    this.#subs.get(id)?.close();
    const sub = new RemoteSubscription(id, options.since ?? 0, () => {
      if (this.#subs.get(id) === sub) this.#subs.delete(id);
      if (!this.#closed) void this.#request({ type: 'unsubscribe', id }).catch(() => {});
    });
    this.#subs.set(id, sub);
    try {
      await this.#request({ type: 'subscribe', id, ...(options.since !== undefined ? { since: options.since } : {}) });
    } catch (err) {
      this.#subs.delete(id);
      throw err;
    }
    return sub;
  }

  write(id: string, data: string | Uint8Array): Promise<void> {
    const message: ClientMessage = typeof data === 'string' ? { type: 'write', id, data } : { type: 'write', id, data: toBase64(data), encoding: 'base64' };
    return this.#request(message).then(() => undefined);
  }

  resize(id: string, cols: number, rows: number): Promise<void> {
    return this.#request({ type: 'resize', id, cols, rows }).then(() => undefined);
  }

  stop(id: string): Promise<Exit['exit']> {
    return this.#request({ type: 'stop', id }) as Promise<Exit['exit']>;
  }

  kill(id: string): Promise<Exit['exit']> {
    return this.#request({ type: 'kill', id }) as Promise<Exit['exit']>;
  }

  /** Starts one of the server's named command templates. */
  spawn(command: string, params?: unknown, options: { label?: string; scope?: { kind: string; id: string } } = {}): Promise<Record<string, unknown>> {
    return this.#request({ type: 'spawn', command, ...(params !== undefined ? { params } : {}), ...options }) as Promise<Record<string, unknown>>;
  }

  /** Turns the `spawned`, `state` and `exit` events of every visible process on or off. */
  events(on: boolean): Promise<void> {
    return this.#request({ type: 'events', on }).then(() => undefined);
  }

  /** Stops listening; every pending request rejects. The server's processes keep running. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop();
    this.#transport.close?.();
    for (const sub of this.#subs.values()) sub.close();
    for (const p of this.#pending.values()) p.reject(new RemoteError('CLOSED', 'the client was closed'));
    this.#pending.clear();
  }

  async #request(message: ClientMessage): Promise<unknown> {
    await this.ready;
    return this.#ask(message);
  }

  #ask(message: ClientMessage): Promise<unknown> {
    if (this.#closed) return Promise.reject(new RemoteError('CLOSED', 'the client was closed'));
    const ref = `c${++refs}`;
    return new Promise((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject });
      try {
        this.#transport.send({ ...message, ref });
      } catch (err) {
        this.#pending.delete(ref);
        reject(new RemoteError('CLOSED', `sending failed: ${(err as Error)?.message ?? String(err)}`));
      }
    });
  }

  #receive(raw: unknown): void {
    let data = raw;
    if (typeof raw === 'string') {
      try {
        data = JSON.parse(raw);
      } catch {
        this.emit('error', new RemoteError('BAD_MESSAGE', 'the server sent a message that is not JSON'));
        return;
      }
    }
    const parsed = ServerMessageSchema.safeParse(data);
    if (!parsed.success) {
      this.emit('error', new RemoteError('BAD_MESSAGE', `the server sent a message that fits no schema: ${parsed.error.issues[0]?.message ?? ''}`));
      return;
    }
    const m = parsed.data;
    if ((m.type === 'ok' || m.type === 'error' || m.type === 'ready') && m.ref && this.#pending.has(m.ref)) {
      const p = this.#pending.get(m.ref)!;
      this.#pending.delete(m.ref);
      if (m.type === 'error') p.reject(new RemoteError(m.code, m.message, m.id));
      else p.resolve(m.type === 'ok' ? m.result : undefined);
      return;
    }
    if (m.type === 'error') return void this.emit('error', new RemoteError(m.code, m.message, m.id));
    if (m.type === 'output' || m.type === 'dropped' || m.type === 'state' || m.type === 'exit') {
      const sub = this.#subs.get(m.id);
      if (sub) {
        sub.deliver(m);
        if (m.type === 'exit') this.#subs.delete(m.id);
        return;
      }
    }
    if (m.type === 'spawned') this.emit('spawned', m.id, m.info);
    else if (m.type === 'state') this.emit('state', m.id, { from: m.from, to: m.to, reason: m.reason });
    else if (m.type === 'exit') this.emit('exit', m.id, m.exit);
  }
}

/** Connects to a channel over a transport, a MessagePort-like object, or a server's WebSocket URL (reconnecting, resuming each subscription). */
export function connect(target: string | ClientTransport | PortLike, options: { token?: string } & WebSocketTransportOptions = {}): Client {
  const transport = typeof target === 'string' ? websocketTransport(target, options) : 'postMessage' in target ? portTransport(target) : target;
  return new Client(transport, { ...(options.token !== undefined ? { token: options.token } : {}) });
}

function fromBase64(text: string): Uint8Array {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
