// Which half message a gRPC transaction id stands for. A gRPC producer ends a transaction
// by message and transaction id only; the core needs the half message's offsets. Entries
// come from the send of the half message and from each check-back sent to a producer (so a
// transaction survives a broker restart); they are dropped when the transaction ends or
// after a day.
export interface HalfRef {
  producerGroup: string;
  /** Queue offset in the half topic. */
  tranStateTableOffset: number;
  commitLogOffset: number;
  /** The client that sent the half message (asked first on check-back). */
  clientId: string;
  at: number;
}

const MAX_AGE_MS = 24 * 3600_000;
const MAX_ENTRIES = 200_000;

export class TransactionIds {
  readonly #table = new Map<string, HalfRef>();

  remember(transactionId: string, ref: Omit<HalfRef, 'at'>, now = Date.now()): void {
    this.#table.delete(transactionId);
    this.#table.set(transactionId, { ...ref, at: now });
    // Insertion order is age order: trim the oldest.
    for (const [id, r] of this.#table) {
      if (this.#table.size <= MAX_ENTRIES && now - r.at < MAX_AGE_MS) break;
      this.#table.delete(id);
    }
  }

  get(transactionId: string): HalfRef | undefined {
    return this.#table.get(transactionId);
  }

  forget(transactionId: string): void {
    this.#table.delete(transactionId);
  }
}
