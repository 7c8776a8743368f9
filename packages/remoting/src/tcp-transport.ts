// TCP transports: wrapping accepted sockets and dialing "host:port".

import { connect, type Socket } from 'node:net';
import { ContrailError } from '@contrail/common';
import { DirectReads, StreamTransport, type Transport } from './transport.js';

function addressOf(host: string | undefined, port: number | undefined): string {
  if (host === undefined || port === undefined) return '';
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Wraps a connected socket (Nagle off: remoting is request/response). */
export function socketTransport(socket: Socket, direct?: DirectReads): Transport {
  socket.setNoDelay(true);
  return new StreamTransport(
    socket,
    addressOf(socket.remoteAddress, socket.remotePort),
    addressOf(socket.localAddress, socket.localPort),
    direct,
  );
}

/** Splits "host:port" (IPv6 hosts in brackets). */
export function parseAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const port = Number(addr.slice(i + 1));
  if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new ContrailError('CONFIG_INVALID', `bad address "${addr}", expected host:port`);
  }
  let host = addr.slice(0, i);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

/** Dials `addr`; rejects with CONNECT_FAILED on error or after `timeoutMs`. */
export function connectTcp(addr: string, timeoutMs: number): Promise<Transport> {
  const { host, port } = parseAddress(addr);
  return new Promise((resolve, reject) => {
    // Reads land in buffers the connection picks: the rest of a large frame is read straight
    // into that frame's buffer (pull responses of a few MiB are not copied out of 64 KiB reads).
    const direct = new DirectReads();
    const socket = connect({ host, port, onread: { buffer: () => direct.buffer(), callback: (n, buf) => direct.read(n, buf) } });
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ContrailError('CONNECT_FAILED', `connect to ${addr} failed: ${err.message}`, { cause: err }));
    };
    const timer = setTimeout(() => fail(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      resolve(socketTransport(socket, direct));
    });
  });
}
