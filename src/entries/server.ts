/**
 * `procward/server`: a ProcessManager served to remote clients: createServer() (the WebSocket
 * endpoint, authenticated and Origin-checked) on top of createChannel(), the wire protocol for one
 * client over any message transport (an Electron IPC pair, a MessagePort, a worker). The schemas of the
 * protocol are exported so that clients check what they receive with the same definitions.
 */
export { createServer, ServerOptionsSchema, CloseCode, type ProcwardServer, type ServerOptions } from '../server/websocket-server.js';
export { createChannel, ChannelOptionsSchema, type Channel, type ChannelOptions } from '../server/channel.js';
export type { Action, ActionTarget, Authorize, Principal } from '../server/access.js';
export { defineCommand, type SpawnTemplate, type SpawnTemplates } from '../server/templates.js';
export { ClientMessageSchema, ServerMessageSchema, PROTOCOL_VERSION, WIRE_ERROR_CODES, type ClientMessage, type ClientMessageType, type ServerMessage } from '../protocol/messages.js';
