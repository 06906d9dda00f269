/**
 * `procward/client`: the other end of createChannel, for browsers, renderers, workers and Node
 * alike (no Node built-ins). So far over a message transport (a MessagePort, an IPC pair); the
 * WebSocket URL form comes with the server's WebSocket endpoint.
 */
export {
  connect,
  portTransport,
  Client,
  RemoteSubscription,
  RemoteError,
  type ClientTransport,
  type PortLike,
  type OutputBytes,
  type ClientEvents,
  type RemoteSubscriptionEvents,
} from '../client/client.js';
export { ClientMessageSchema, ServerMessageSchema, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../protocol/messages.js';
