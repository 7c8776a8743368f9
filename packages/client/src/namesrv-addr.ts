// NameServer address lists: an array, or RocketMQ's "h1:9876;h2:9876" string form.
import { ContrailError } from '@contrail/common';

export function parseNamesrvAddr(addr: string | readonly string[]): string[] {
  const parts = typeof addr === 'string' ? [addr] : [...addr];
  const out: string[] = [];
  for (const part of parts) {
    for (const one of part.split(/[;,\s]+/)) {
      const a = one.trim();
      if (a.length > 0 && !out.includes(a)) out.push(a);
    }
  }
  if (out.length === 0) throw new ContrailError('CONFIG_INVALID', 'namesrvAddr names no NameServer');
  for (const a of out) {
    const i = a.lastIndexOf(':');
    const port = Number(a.slice(i + 1));
    if (i <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
      throw new ContrailError('CONFIG_INVALID', `bad NameServer address "${a}", expected host:port`);
    }
  }
  return out;
}
