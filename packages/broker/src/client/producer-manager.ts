// Producer groups and their live channels (needed to reach a producer, e.g. for
// transaction check-back, and for admin listings).
import type { ClientChannel } from './client-channel.js';

export interface ProducerChannelInfo {
  channel: ClientChannel;
  clientId: string;
  lastUpdate: number;
  version: number;
}

export class ProducerManager {
  readonly #groups = new Map<string, Map<string, ProducerChannelInfo>>();

  register(group: string, channel: ClientChannel, clientId: string, version: number, now = Date.now()): void {
    let m = this.#groups.get(group);
    if (m === undefined) {
      m = new Map();
      this.#groups.set(group, m);
    }
    const existing = m.get(channel.id);
    if (existing !== undefined && existing.clientId === clientId) {
      existing.lastUpdate = now;
      existing.version = version;
    } else {
      m.set(channel.id, { channel, clientId, lastUpdate: now, version });
    }
  }

  unregister(group: string, channelId: string): void {
    const m = this.#groups.get(group);
    if (m === undefined) return;
    m.delete(channelId);
    if (m.size === 0) this.#groups.delete(group);
  }

  removeChannel(channelId: string): void {
    for (const group of [...this.#groups.keys()]) this.unregister(group, channelId);
  }

  scanExpired(timeoutMs: number, now = Date.now()): number {
    let n = 0;
    for (const [group, m] of [...this.#groups]) {
      for (const [id, p] of m) {
        if (now - p.lastUpdate > timeoutMs) {
          m.delete(id);
          n++;
        }
      }
      if (m.size === 0) this.#groups.delete(group);
    }
    return n;
  }

  channels(group: string): ProducerChannelInfo[] {
    return [...(this.#groups.get(group)?.values() ?? [])];
  }

  groups(): string[] {
    return [...this.#groups.keys()];
  }
}
