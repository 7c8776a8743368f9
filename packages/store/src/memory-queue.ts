// A consume queue held entirely in memory (the memory store's): the same 20-byte entries.
import { writeLong } from '@contrail/common';
import type { CqEntries } from './consume-queue.js';
import { CQ_ENTRY_SIZE } from './store-config.js';
import type { PullQueue } from './pull-scan.js';

export class MemoryQueue implements PullQueue {
  minOffset = 0;
  maxOffset = 0;
  private buf = Buffer.alloc(64 * CQ_ENTRY_SIZE);

  append(phy: number, size: number, tagsCode: number): number {
    let pos = this.maxOffset * CQ_ENTRY_SIZE;
    if (pos + CQ_ENTRY_SIZE > this.buf.length) {
      const next = Buffer.alloc(this.buf.length * 2);
      this.buf.copy(next);
      this.buf = next;
    }
    writeLong(this.buf, phy, pos);
    this.buf.writeInt32BE(size, pos + 8);
    pos = writeLong(this.buf, tagsCode, pos + 12);
    return this.maxOffset++;
  }

  entriesHot(offset: number, max: number): CqEntries | undefined {
    if (offset < this.minOffset || offset >= this.maxOffset) return undefined;
    const count = Math.min(max, this.maxOffset - offset);
    return { buf: this.buf.subarray(offset * CQ_ENTRY_SIZE, (offset + count) * CQ_ENTRY_SIZE), count };
  }

  entries(offset: number, max: number): Promise<CqEntries | null> {
    return Promise.resolve(this.entriesHot(offset, max) ?? null);
  }
}
