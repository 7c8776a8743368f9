// Client IDs: "ip@instance#n". The broker groups connections and rebalances by this string, so
// two clients in one process must never share it: n counts clients created in this process.
import { networkInterfaces } from 'node:os';

let created = 0;

export function localIp(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}

export function createClientId(clientIP = localIp(), instanceName = String(process.pid)): string {
  created += 1;
  return `${clientIP}@${instanceName}#${created}`;
}
