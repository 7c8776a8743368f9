// Reads one consume queue from an offset to its current end, decoding each record. Offsets
// that retention removed are skipped, as RocketMQ's own scanners do.
import { decodeRecord, type StoredMessage } from '@contrail/common';
import type { MessageStorePort } from '../store/message-store-port.js';

const BATCH = 256;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

export async function* readQueue(store: MessageStorePort, topic: string, queueId: number, from: number): AsyncGenerator<StoredMessage> {
  let offset = from;
  for (;;) {
    const r = await store.getMessage(topic, queueId, offset, BATCH, undefined, MAX_BATCH_BYTES);
    if (r.status !== 'FOUND') {
      if (r.status === 'OFFSET_TOO_SMALL' && r.nextBeginOffset > offset) {
        offset = r.nextBeginOffset;
        continue;
      }
      return;
    }
    if (r.buffers.length === 0) return;
    for (const buf of r.buffers) {
      const m = decodeRecord(buf, 0, { strict: false });
      offset = m.queueOffset + 1;
      yield m;
    }
  }
}
