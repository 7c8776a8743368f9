// The default advertised address: clients (ali-ons) decode only IPv4 store hosts.
import { networkInterfaces } from 'node:os';

/** The first non-internal IPv4 address of this host, else 127.0.0.1. */
export function localIPv4(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
