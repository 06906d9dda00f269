import { z } from 'zod';
import { InvalidOptionsError, ProcwardError } from '../errors/procward-error.js';
import { parseOptions } from '../options/parse.js';
import type { ManagedProcess } from '../process/managed-process.js';
import type { ProcessExit } from '../process/types.js';
import { ClientMessageSchema, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../protocol/messages.js';
import type { ProcessManager } from '../registry/process-manager.js';
import type { StateChange } from '../state-machine/states.js';
import type { Action, ActionTarget, Authorize, Principal } from './access.js';
import { Subscription } from './subscription.js';
import { templateOptions, type SpawnTemplate, type SpawnTemplates } from './templates.js';

const fn = <T>(what: string) => z.custom<T>((v) => typeof v === 'function', { message: `${what} must be a function` });

export const ChannelOptionsSchema = z.strictObject({
  /** Sends one message to the client (the transport serialises it, if it needs to). */
  send: fn<(message: ServerMessage) => void>('send'),
  /** Registers the listener for the client's messages (objects, or JSON text); returns a function that removes it. */
  onMessage: fn<(listener: (message: unknown) => void) => () => void>('onMessage'),
  authorize: fn<Authorize>('authorize').optional(),
  limits: z
    .strictObject({
      /** Largest message accepted from the client, in bytes of its JSON text. @default 1 MiB */
      maxMessageBytes: z.number().int().positive().optional(),
      /** Bytes the transport may hold unsent for the client before live output waits. @default 4 MiB */
      maxClientBufferBytes: z.number().int().positive().optional(),
    })
    .optional(),
  /** Coalescing of output per subscription. @default 5 ms or 64 KiB, whichever comes first */
  batch: z.strictObject({ intervalMs: z.number().int().min(0).max(1000).optional(), maxBytes: z.number().int().min(1).optional() }).optional(),
  /** Bytes the transport holds unsent for this client (a WebSocket's bufferedAmount); call drained() when it falls. */
  buffered: fn<() => number>('buffered').optional(),
});

export type ChannelOptions = z.input<typeof ChannelOptionsSchema> & {
  /** The client, as the transport authenticated it (the host's own object: authorize() gets it as it is). */
  principal: Principal;
  /** What the client may start, by name. None: it may start nothing. */
  commands?: SpawnTemplates;
};

/**
 * The principal and the templates are the host's own objects (a user record, zod schemas), not
 * plain options: checked here by shape, and kept as they are rather than copied.
 */
function checkHostObjects(options: ChannelOptions): void {
  const issues: { path: string; message: string }[] = [];
  const principal = (options as { principal?: unknown } | undefined)?.principal as { id?: unknown } | undefined;
  if (typeof principal !== 'object' || principal === null || typeof principal.id !== 'string' || principal.id === '') {
    issues.push({ path: 'principal', message: 'principal must be an object with a non-empty string id (who the transport says the client is)' });
  }
  const commands = (options as { commands?: unknown }).commands;
  if (commands !== undefined) {
    if (typeof commands !== 'object' || commands === null) issues.push({ path: 'commands', message: 'commands must be an object of templates by name' });
    else {
      for (const [name, t] of Object.entries(commands)) {
        const template = t as Partial<SpawnTemplate> | null;
        if (typeof template?.spawn !== 'function') issues.push({ path: `commands.${name}`, message: `commands.${name} must be a template with a spawn(params) function` });
        else if (template.params !== undefined && typeof (template.params as { safeParse?: unknown }).safeParse !== 'function') {
          issues.push({ path: `commands.${name}.params`, message: `commands.${name}.params must be a zod schema` });
        }
      }
    }
  }
  if (issues.length > 0) throw new InvalidOptionsError('createChannel options', issues);
}

/** One client served over any message transport: a WebSocket, an Electron IPC pair, a MessagePort, a worker. */
export interface Channel {
  /** The transport has room again (see `buffered`): paused subscriptions go on. */
  drained(): void;
  /** Ends every subscription and stops listening; the processes keep running. */
  close(): void;
  readonly closed: boolean;
}

/** Plain JSON of a value (what a socket would carry), typed as the message field it goes into. */
const json = <T>(value: unknown): T => JSON.parse(JSON.stringify(value)) as T;

type Request<T extends ClientMessage['type']> = Extract<ClientMessage, { type: T }>;

const DEFAULTS = { maxMessageBytes: 1 << 20, maxClientBufferBytes: 4 << 20, batchMs: 5, batchBytes: 64 << 10 };

/**
 * Serves the wire protocol (protocol/messages.ts) for one client over any transport: the
 * protocol lives here, and a WebSocket server or an IPC bridge only moves messages. Every message
 * from the client is checked against ClientMessageSchema; a bad one gets an `error` message and
 * the channel stays open. The first message must be `auth` with a protocol version this server
 * speaks. A process authorize() refuses is, to this client, one that does not exist.
 */
export function createChannel(pm: ProcessManager, options: ChannelOptions): Channel {
  checkHostObjects(options);
  const { principal, commands: templates = {}, ...rest } = options;
  const o = parseOptions(ChannelOptionsSchema, rest, 'createChannel options');
  const maxMessageBytes = o.limits?.maxMessageBytes ?? DEFAULTS.maxMessageBytes;
  const subs = new Map<string, Subscription>();
  let authed = false;
  let events = false;
  let closed = false;
  let waiters: (() => void)[] = [];

  const send = (m: ServerMessage) => {
    if (closed) return;
    try {
      o.send(m);
    } catch {
      // A transport that cannot send any more (a socket closing): the channel goes with it.
      close();
    }
  };
  const fail = (code: string, message: string, ref?: string, id?: string) => send({ type: 'error', code, message, ...(ref ? { ref } : {}), ...(id ? { id } : {}) });
  const allowed = async (action: Action, target: ActionTarget) => !o.authorize || (await o.authorize(principal, action, target)) === true;
  const visible = async (id: string, action: Action): Promise<ManagedProcess | undefined> => {
    const p = pm.get(id);
    return p && (await allowed(action, { process: p.info })) ? p : undefined;
  };
  const notFound = (id: string, ref?: string) => fail('NOT_FOUND', `No process ${id} (or not one this client may see)`, ref, id);

  const settings = {
    batchMs: o.batch?.intervalMs ?? DEFAULTS.batchMs,
    batchBytes: o.batch?.maxBytes ?? DEFAULTS.batchBytes,
    maxBufferedBytes: o.limits?.maxClientBufferBytes ?? DEFAULTS.maxClientBufferBytes,
    buffered: () => o.buffered?.() ?? 0,
    drained: () => new Promise<void>((r) => (closed ? r() : waiters.push(r))),
    send,
    ownsLifecycle: () => !events,
    failed: (err: unknown) => fail('INTERNAL', `following output failed: ${(err as Error)?.message ?? String(err)}`),
  };

  // The events stream: every process this client may see, except the ones it follows (their
  // subscription carries their state and exit, after their output).
  const onSpawn = (p: ManagedProcess) => void tellIfVisible(p, () => ({ type: 'spawned', id: p.id, info: json(p.info) }));
  const onState = (p: ManagedProcess, c: StateChange) => void tellIfVisible(p, () => ({ type: 'state', id: p.id, from: c.from, to: c.to, reason: c.reason }));
  const onExit = (p: ManagedProcess, exit: ProcessExit) => void tellIfVisible(p, () => ({ type: 'exit', id: p.id, exit: json(exit) }));
  async function tellIfVisible(p: ManagedProcess, message: () => ServerMessage): Promise<void> {
    if (!events || closed) return;
    const m = message(); // taken now: the process may change before authorize() answers
    if (await allowed('read', { process: p.info })) if (events) send(m);
  }

  /** Answers `m` when `action` settles: `ok` with its result, or the error it ended with. */
  const finish = (m: { ref?: string | undefined; id: string }, action: Promise<unknown>) => {
    action.then(
      (result) => send({ type: 'ok', ref: m.ref, ...(result === undefined ? {} : { result: json(result) }) }),
      (err: unknown) => (err instanceof ProcwardError ? fail(err.code, err.message, m.ref, m.id) : fail('INTERNAL', `${(err as Error)?.message ?? String(err)}`, m.ref, m.id)),
    );
  };

  const handlers: { [T in ClientMessage['type']]: (m: Request<T>) => Promise<void> } = {
    auth: async (m) => {
      if (authed) return fail('BAD_MESSAGE', 'already authenticated: auth is sent once', m.ref);
      if (m.v !== PROTOCOL_VERSION) return fail('PROTOCOL_VERSION', `this server speaks protocol version ${PROTOCOL_VERSION}, the client ${m.v}`, m.ref);
      authed = true;
      send({ type: 'ready', v: PROTOCOL_VERSION, principal: principal.id, ...(m.ref ? { ref: m.ref } : {}) });
    },
    list: async (m) => {
      if (!(await allowed('list', {}))) return fail('FORBIDDEN', 'this client may not list processes', m.ref);
      const infos = [];
      for (const p of pm.list()) if (await allowed('read', { process: p.info })) infos.push(json(p.info));
      send({ type: 'ok', ref: m.ref, result: infos });
    },
    subscribe: async (m) => {
      const p = await visible(m.id, 'read');
      if (!p) return notFound(m.id, m.ref);
      subs.get(m.id)?.close();
      send({ type: 'ok', ref: m.ref, result: json(p.info) });
      subs.set(m.id, new Subscription(p, m.since, settings));
    },
    unsubscribe: async (m) => {
      subs.get(m.id)?.close();
      subs.delete(m.id);
      send({ type: 'ok', ref: m.ref });
    },
    write: async (m) => {
      const p = await visible(m.id, 'write');
      if (!p) return notFound(m.id, m.ref);
      finish(
        m,
        p.write(m.encoding === 'base64' ? Buffer.from(m.data, 'base64') : m.data).then(() => undefined),
      );
    },
    resize: async (m) => {
      const p = await visible(m.id, 'resize');
      if (!p) return notFound(m.id, m.ref);
      p.resize(m.cols, m.rows);
      send({ type: 'ok', ref: m.ref });
    },
    stop: async (m) => {
      const p = await visible(m.id, 'stop');
      if (!p) return notFound(m.id, m.ref);
      finish(m, p.stop());
    },
    kill: async (m) => {
      const p = await visible(m.id, 'kill');
      if (!p) return notFound(m.id, m.ref);
      finish(m, p.kill());
    },
    spawn: async (m) => {
      const template = Object.hasOwn(templates, m.command) ? (templates[m.command] as SpawnTemplate) : undefined;
      if (!template) return fail('UNKNOWN_COMMAND', `no command "${m.command}"; this server starts: ${Object.keys(templates).join(', ') || 'nothing'}`, m.ref);
      const spawnOptions = templateOptions(m.command, template, m.params);
      const scope = m.scope ?? spawnOptions.scope;
      if (!(await allowed('spawn', { command: m.command, ...(scope ? { scope } : {}) }))) return fail('FORBIDDEN', `this client may not start "${m.command}"`, m.ref);
      const p = pm.spawn({ ...spawnOptions, ...(m.label !== undefined ? { label: m.label } : {}), ...(scope ? { scope } : {}) });
      send({ type: 'ok', ref: m.ref, result: json(p.info) });
    },
    events: async (m) => {
      if (m.on && !(await allowed('events', {}))) return fail('FORBIDDEN', 'this client may not follow manager events', m.ref);
      events = m.on;
      send({ type: 'ok', ref: m.ref });
    },
  };

  async function handle(raw: unknown): Promise<void> {
    let data = raw;
    if (typeof raw === 'string') {
      if (Buffer.byteLength(raw) > maxMessageBytes) return fail('MESSAGE_TOO_LARGE', `a message may take at most ${maxMessageBytes} bytes`);
      try {
        data = JSON.parse(raw);
      } catch {
        return fail('BAD_MESSAGE', 'a message must be a JSON object with a "type"');
      }
    }
    const parsed = ClientMessageSchema.safeParse(data);
    const ref = typeof (data as { ref?: unknown })?.ref === 'string' ? ((data as { ref: string }).ref.slice(0, 128) as string) : undefined;
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
      return fail('BAD_MESSAGE', `bad message: ${detail}`, ref);
    }
    const m = parsed.data;
    if (!authed && m.type !== 'auth') return fail('NOT_AUTHENTICATED', 'send auth with the protocol version first', ref);
    try {
      await (handlers[m.type] as (m: ClientMessage) => Promise<void>)(m);
    } catch (err) {
      if (err instanceof ProcwardError) return fail(err.code, err.message, ref, 'id' in m ? m.id : undefined);
      fail('INTERNAL', `handling ${m.type} failed: ${(err as Error)?.message ?? String(err)}`, ref);
    }
  }

  // Messages are handled one after another, in the order they came: an authorize() that answers
  // one request later than the next must not reorder two writes. What takes long once started
  // (a stop's grace, a write into a full pipe) answers when it is done, without holding the rest.
  let turn: Promise<void> = Promise.resolve();
  const stopListening = o.onMessage((raw) => {
    if (!closed) turn = turn.then(() => handle(raw)).catch(() => {});
  });
  pm.on('spawn', onSpawn);
  pm.on('state', onState);
  pm.on('exit', onExit);

  function close(): void {
    if (closed) return;
    closed = true;
    for (const s of subs.values()) s.close();
    subs.clear();
    pm.off('spawn', onSpawn);
    pm.off('state', onState);
    pm.off('exit', onExit);
    for (const w of waiters) w();
    waiters = [];
    try {
      stopListening();
    } catch {
      /* the transport is gone already */
    }
  }

  return {
    drained() {
      const w = waiters;
      waiters = [];
      for (const r of w) r();
    },
    close,
    get closed() {
      return closed;
    },
  };
}
