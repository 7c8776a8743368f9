// Queue locks for orderly consumers (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): one client of a group
// owns a queue at a time, for a lease renewed by each lock request. A lock whose holder has
// left the group (connection closed or heartbeat expired) is free at once, so a killed
// consumer's queues are taken over without waiting out the lease.

export interface LockQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

interface LockEntry {
  clientId: string;
  lastUpdate: number;
}

export const DEFAULT_LOCK_LEASE_MS = 60_000;

function key(mq: LockQueue): string {
  return `${mq.topic}@${mq.brokerName}@${mq.queueId}`;
}

export class RebalanceLockManager {
  readonly #groups = new Map<string, Map<string, LockEntry>>();
  readonly #leaseMs: () => number;

  constructor(leaseMs: () => number = () => DEFAULT_LOCK_LEASE_MS) {
    this.#leaseMs = leaseMs;
  }

  /**
   * Locks (or renews) each queue for `clientId` where no live member holds it; returns the
   * queues the client holds afterwards. `isMember` says whether a holder is still in the group.
   */
  tryLockBatch(group: string, clientId: string, mqs: readonly LockQueue[], isMember: (clientId: string) => boolean, now = Date.now()): LockQueue[] {
    let table = this.#groups.get(group);
    if (table === undefined) {
      table = new Map();
      this.#groups.set(group, table);
    }
    const lease = this.#leaseMs();
    const held: LockQueue[] = [];
    for (const mq of mqs) {
      const k = key(mq);
      const e = table.get(k);
      const free = e === undefined || now - e.lastUpdate > lease || (e.clientId !== clientId && !isMember(e.clientId));
      if (e !== undefined && e.clientId === clientId) {
        e.lastUpdate = now;
        held.push(mq);
      } else if (free) {
        table.set(k, { clientId, lastUpdate: now });
        held.push(mq);
      }
    }
    return held;
  }

  /** Releases the queues `clientId` holds among `mqs`; others' locks stay. */
  unlockBatch(group: string, clientId: string, mqs: readonly LockQueue[]): void {
    const table = this.#groups.get(group);
    if (table === undefined) return;
    for (const mq of mqs) {
      const k = key(mq);
      if (table.get(k)?.clientId === clientId) table.delete(k);
    }
    if (table.size === 0) this.#groups.delete(group);
  }

  /** The live holder of a queue's lock, if any (for admin views and tests). */
  holder(group: string, mq: LockQueue, now = Date.now()): string | undefined {
    const e = this.#groups.get(group)?.get(key(mq));
    return e !== undefined && now - e.lastUpdate <= this.#leaseMs() ? e.clientId : undefined;
  }
}
