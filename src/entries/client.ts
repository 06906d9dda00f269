/**
 * `procward/client`: the other end of createChannel, for browsers, renderers, workers and Node
 * alike (no Node built-ins): over a server's WebSocket URL (reconnecting, resuming each
 * subscription from its offset) or any message transport (a MessagePort, an IPC pair).
 */
export { portTransport, type ClientTransport, type PortLike } from '../client/transport.js';
export { websocketTransport, type WebSocketLike, type WebSocketConstructor, type WebSocketTransportOptions } from '../client/websocket-transport.js';
export { connect, Client, RemoteSubscription, RemoteError, type OutputBytes, type ClientEvents, type RemoteSubscriptionEvents } from '../client/client.js';
export { ClientMessageSchema, ServerMessageSchema, PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../protocol/messages.js';
