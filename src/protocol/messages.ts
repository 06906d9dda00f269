import { z } from 'zod';

/**
 * The wire protocol between a ProcessManager and a remote client (a browser over WebSocket, a
 * renderer over IPC): every message is a JSON object with a `type`. These schemas are exported so
 * that clients validate what they receive with the same definitions the server sends by. Nothing
 * here uses a Node built-in: the client side runs in browsers.
 *
 * Output bytes travel base64-encoded (`data`), so a message is plain JSON and binary output
 * arrives intact. Offsets are byte offsets in everything the process wrote; a client that
 * resubscribes with `since` set to the `to` of its last chunk gets exactly what it missed.
 */
export const PROTOCOL_VERSION = 1;

const Ref = z.string().min(1).max(128).optional();
const ProcessId = z.string().min(1).max(128);
const Offset = z.number().int().nonnegative();
const TerminalSize = z.number().int().min(1).max(10_000);
const Scope = z.strictObject({ kind: z.string().min(1).max(200), id: z.string().min(1).max(200) });

/** What a client may send. `ref` is echoed on the `ok` or `error` that answers a request. */
export const ClientMessageSchema = z.discriminatedUnion('type', [
  /** First message: the protocol version the client speaks (and, over a socket, its token). */
  z.strictObject({ type: z.literal('auth'), v: z.number().int().positive(), token: z.string().max(4096).optional(), ref: Ref }),
  z.strictObject({ type: z.literal('list'), ref: Ref }),
  /** Output from `since` (default: the oldest byte held), then live, with state changes and the exit. */
  z.strictObject({ type: z.literal('subscribe'), id: ProcessId, since: Offset.optional(), ref: Ref }),
  z.strictObject({ type: z.literal('unsubscribe'), id: ProcessId, ref: Ref }),
  /** Input for the process's stdin or terminal: text, or bytes as base64. */
  z.strictObject({ type: z.literal('write'), id: ProcessId, data: z.string(), encoding: z.enum(['utf8', 'base64']).optional(), ref: Ref }),
  z.strictObject({ type: z.literal('resize'), id: ProcessId, cols: TerminalSize, rows: TerminalSize, ref: Ref }),
  z.strictObject({ type: z.literal('stop'), id: ProcessId, ref: Ref }),
  z.strictObject({ type: z.literal('kill'), id: ProcessId, ref: Ref }),
  /** Starts one of the server's named command templates; `params` are checked by the template's schema. */
  z.strictObject({ type: z.literal('spawn'), command: z.string().min(1).max(200), params: z.unknown().optional(), label: z.string().max(200).optional(), scope: Scope.optional(), ref: Ref }),
  /** Turns the stream of manager events (spawned, state, exit of every process the client may see) on or off. */
  z.strictObject({ type: z.literal('events'), on: z.boolean(), ref: Ref }),
]);

export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage['type'];

/** A process as a client sees it (ProcessInfo, as JSON). */
const InfoSchema = z.looseObject({ id: z.string(), state: z.string(), outputBytes: z.number() });

/** Codes of `error` messages: the library's error codes, and the protocol's own. */
export const WIRE_ERROR_CODES = [
  'BAD_MESSAGE', // not JSON, not an object, an unknown type, or fields that do not fit it
  'MESSAGE_TOO_LARGE',
  'PROTOCOL_VERSION', // the client speaks a version this server does not
  'NOT_AUTHENTICATED', // a request before `auth`
  'UNAUTHORIZED', // a wrong or missing token
  'FORBIDDEN', // authorize() refused an action that is not about a process (spawn, list)
  'UNKNOWN_COMMAND', // spawn of a name that is not one of the server's templates
  'INTERNAL', // the server failed; the message says where
] as const;

export const ServerMessageSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), v: z.number().int(), principal: z.string(), ref: Ref }),
  z.strictObject({ type: z.literal('ok'), ref: Ref, result: z.unknown().optional() }),
  z.strictObject({ type: z.literal('error'), code: z.string(), message: z.string(), ref: Ref, id: ProcessId.optional() }),
  z.strictObject({ type: z.literal('output'), id: ProcessId, offset: Offset, stream: z.enum(['stdout', 'stderr', 'pty']), data: z.string() }),
  /** Bytes from `from` to `to` were evicted before this client got them; output goes on from `to`. */
  z.strictObject({ type: z.literal('dropped'), id: ProcessId, from: Offset, to: Offset }),
  z.strictObject({ type: z.literal('state'), id: ProcessId, from: z.string(), to: z.string(), reason: z.string() }),
  z.strictObject({ type: z.literal('exit'), id: ProcessId, exit: z.looseObject({ state: z.string() }) }),
  z.strictObject({ type: z.literal('spawned'), id: ProcessId, info: InfoSchema }),
  z.strictObject({ type: z.literal('metrics'), id: ProcessId, metrics: z.looseObject({}) }),
]);

export type ServerMessage = z.infer<typeof ServerMessageSchema>;
