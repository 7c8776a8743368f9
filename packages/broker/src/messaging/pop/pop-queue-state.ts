// One consumer group's POP progress on one queue: the cursor (next offset never delivered),
// and the entries between the acknowledged point and the cursor that are not acknowledged
// yet — delivered and invisible, due for redelivery, or (FIFO) waiting for their message
// group. Everything before the smallest entry (or the cursor) is consumed.

export interface PopEntry {
  readonly offset: number;
  /** Deliveries so far (0: read but held back behind its message group). */
  attempts: number;
  /** Hidden until this time (epoch ms); due for delivery once it has passed. */
  invisibleUntil: number;
  /** The current delivery's sequence number (what its receipt handle carries). */
  seq: number;
  /** Renewed while `owner` is alive instead of being redelivered. */
  autoRenew: boolean;
  owner: string;
  /** The message group (FIFO blocking); "" for none. */
  messageGroup: string;
  /** Reconsume times the stored record already carries. */
  baseAttempts: number;
}

export class PopQueueState {
  readonly queueId: number;
  cursor: number;
  readonly entries = new Map<number, PopEntry>();

  constructor(queueId: number, cursor: number) {
    this.queueId = queueId;
    this.cursor = cursor;
  }

  /** Everything below this offset is consumed. */
  get ackedUpTo(): number {
    let min = this.cursor;
    for (const offset of this.entries.keys()) if (offset < min) min = offset;
    return min;
  }

  /** Entries in offset order. */
  sorted(): PopEntry[] {
    return [...this.entries.values()].sort((a, b) => a.offset - b.offset);
  }

  /** The earliest time an invisible entry becomes due, or Infinity. */
  nextDue(now: number): number {
    let next = Infinity;
    for (const e of this.entries.values()) if (e.invisibleUntil > now && e.invisibleUntil < next) next = e.invisibleUntil;
    return next;
  }
}
