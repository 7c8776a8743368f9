// What a call tells about its client: the x-mq-* headers (the client id is the identity:
// every client object in a process shares one HTTP/2 connection), the peer, the deadline.
import type { Metadata } from '@grpc/grpc-js';
import { refuse, Code } from './grpc-status.js';

export interface CallContext {
  clientId: string;
  namespace: string;
  /** "ip:port" of the peer, as a born host. */
  peer: string;
  /** Epoch ms the client stops waiting; Infinity when it set none. */
  deadline: number;
}

export interface CallLike {
  metadata: Metadata;
  getPeer(): string;
  getDeadline(): Date | number;
}

function header(md: Metadata, name: string): string {
  const v = md.get(name)[0];
  return typeof v === 'string' ? v : v === undefined ? '' : v.toString('utf8');
}

export function callContext(call: CallLike, requireClientId = true): CallContext {
  const clientId = header(call.metadata, 'x-mq-client-id').trim();
  if (requireClientId && clientId.length === 0) refuse(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required');
  const d = call.getDeadline();
  return {
    clientId,
    namespace: header(call.metadata, 'x-mq-namespace'),
    peer: peerHostPort(call.getPeer()),
    deadline: typeof d === 'number' ? d : d.getTime(),
  };
}

/** grpc-js peers look like "127.0.0.1:5000", "[::1]:5000" or "ipv4:..."; born hosts need "ip:port". */
function peerHostPort(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, '');
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(p);
  if (m === null) return '127.0.0.1:0';
  const host = (m[1] ?? '').replace(/^::ffff:/, '');
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? `${host}:${m[2] ?? '0'}` : `127.0.0.1:${m[2] ?? '0'}`;
}
