// The producer's socket address as a born host, and the sysFlag bit it needs.
import { SysFlag } from '@contrail/common';
import { isIPv4 } from 'node:net';

export interface BornHost {
  host: string;
  /** SysFlag.BORNHOST_V6 when the address is IPv6, else 0. */
  sysFlag: number;
}

/** Parsed addresses (a producer sends many messages from one address). */
const cache = new Map<string, BornHost>();
const CACHE_LIMIT = 4096;

export function bornHostOf(remoteAddress: string): BornHost {
  let b = cache.get(remoteAddress);
  if (b === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    b = parseBornHost(remoteAddress);
    cache.set(remoteAddress, b);
  }
  return b;
}

function parseBornHost(remoteAddress: string): BornHost {
  const at = remoteAddress.lastIndexOf(':');
  if (at <= 0) return { host: '127.0.0.1:0', sysFlag: 0 };
  let ip = remoteAddress.slice(0, at);
  const port = remoteAddress.slice(at + 1);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  // A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; store them as IPv4.
  if (ip.toLowerCase().startsWith('::ffff:') && isIPv4(ip.slice(7))) ip = ip.slice(7);
  if (isIPv4(ip)) return { host: `${ip}:${port}`, sysFlag: 0 };
  return { host: `[${ip}]:${port}`, sysFlag: SysFlag.BORNHOST_V6 };
}
