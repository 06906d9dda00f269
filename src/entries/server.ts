/**
 * `procward/server`: a ProcessManager served to remote clients. So far the transport-agnostic
 * core, createChannel(): the wire protocol for one client over any message transport (an
 * Electron IPC pair, a MessagePort, a worker, a WebSocket the host runs). The schemas of the
 * protocol are exported so that clients check what they receive with the same definitions.
 */
export { createChannel, ChannelOptionsSchema, type Channel, type ChannelOptions } from '../server/channel.js';
export type { Action, ActionTarget, Authorize, Principal } from '../server/access.js';
export { defineCommand, type SpawnTemplate, type SpawnTemplates } from '../server/templates.js';
export { ClientMessageSchema, ServerMessageSchema, PROTOCOL_VERSION, WIRE_ERROR_CODES, type ClientMessage, type ClientMessageType, type ServerMessage } from '../protocol/messages.js';
