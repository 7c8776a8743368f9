// Public entry of @contrail/remoting.
export { RequestCode, type RequestCodeName } from './request-code.js';
export { ResponseCode, type ResponseCodeName } from './response-code.js';
export {
  DEFAULT_VERSION,
  FLAG_ONEWAY,
  FLAG_RESPONSE,
  SerializeType,
  bodyLength,
  createRequest,
  createResponse,
  isOneway,
  isResponse,
  type CommandBody,
  type OutgoingCommand,
  type RemotingCommand,
} from './remoting-command.js';
export { MAX_FRAME_LENGTH, decodeFrame, encodeFrame, encodeFrameChunks } from './frame-codec.js';
export { DIRECT_FRAME_MIN, FrameDecoder } from './frame-decoder.js';
export type { Transport, TransportHandlers } from './transport.js';
export { StreamTransport } from './transport.js';
export { connectTcp, parseAddress, socketTransport } from './tcp-transport.js';
export { createMemoryTransportPair } from './memory-transport.js';
export type { ResponseCallback } from './in-flight-table.js';
export {
  RemotingConnection,
  type CloseListener,
  type RemotingConnectionOptions,
  type RequestHandler,
} from './remoting-connection.js';
export type { ProcessorContext, ProcessorOptions, RemotingProcessor } from './processor.js';
export {
  RemotingServer,
  type ConnectionListener,
  type DisconnectListener,
  type RemotingServerOptions,
} from './remoting-server.js';
export { RemotingClient, type RemotingClientOptions } from './remoting-client.js';
