// The checkpoint file: how far the commit log, the consume queues and the index are known
// durable. RocketMQ's three timestamps come first; then the offsets recovery starts from.
// Two copies in alternating 512-byte slots, each with a sequence number and a CRC, so a
// torn write of one leaves the other.
//   physicMsgTimestamp i64 | logicsMsgTimestamp i64 | indexMsgTimestamp i64
//   | physicOffset i64 | logicsOffset i64 | indexOffset i64 | seq i64 | crc32 i32
//   | verifyFrom i64 | crc32 i32 (of everything before it in the slot)
// verifyFrom came later: a slot without it (or with its CRC wrong) still loads, without it.
import { crc32, readLong, writeLong } from '@contrail/common';
import { closeFd, fdatasyncFd, openFd, readAt, writeAt } from './fs-io.js';

export interface CheckpointData {
  physicMsgTimestamp: number;
  logicsMsgTimestamp: number;
  indexMsgTimestamp: number;
  /** Commit log fdatasync'ed up to here. */
  physicOffset: number;
  /** Consume-queue entries of every record below here are on disk. */
  logicsOffset: number;
  /** Index entries of every record below here are on disk. */
  indexOffset: number;
  /**
   * Where a record starts, at or below the three offsets above: an unclean start checks the
   * commit log from here (verify-window.ts).
   */
  verifyFrom?: number;
}

/** The oldest of the three checkpointed offsets: what the checkpoint vouches for everywhere. */
export function oldestOffset(cp: CheckpointData): number {
  return Math.min(cp.physicOffset, cp.logicsOffset, cp.indexOffset);
}

const SLOT = 512;
const BODY = 56;
/** Where verifyFrom and the CRC over the slot up to it lie. */
const EXT = BODY + 4;
const EXT_END = EXT + 8;

export class StoreCheckpoint {
  private fd = -1;
  private seq = 0;
  private writing: Promise<void> | undefined;

  constructor(readonly path: string) {}

  /** The newest intact copy, or null when there is none. */
  async load(): Promise<CheckpointData | null> {
    this.fd = await openFd(this.path, 'a+').then(async (fd) => {
      await closeFd(fd);
      return openFd(this.path, 'r+');
    });
    const buf = await readAt(this.fd, SLOT * 2, 0);
    let best: { seq: number; data: CheckpointData } | null = null;
    for (let s = 0; s < 2; s++) {
      const at = s * SLOT;
      if (buf.length < at + BODY + 4) continue;
      if ((crc32(buf.subarray(at, at + BODY)) | 0) !== buf.readInt32BE(at + BODY)) continue;
      const seq = readLong(buf, at + 48);
      if (seq <= 0 || (best !== null && best.seq >= seq)) continue;
      best = {
        seq,
        data: {
          physicMsgTimestamp: readLong(buf, at),
          logicsMsgTimestamp: readLong(buf, at + 8),
          indexMsgTimestamp: readLong(buf, at + 16),
          physicOffset: readLong(buf, at + 24),
          logicsOffset: readLong(buf, at + 32),
          indexOffset: readLong(buf, at + 40),
          ...(buf.length >= at + EXT_END + 4 && (crc32(buf.subarray(at, at + EXT_END)) | 0) === buf.readInt32BE(at + EXT_END)
            ? { verifyFrom: readLong(buf, at + EXT) }
            : {}),
        },
      };
    }
    this.seq = best?.seq ?? 0;
    return best?.data ?? null;
  }

  /** Writes and fdatasyncs a new copy (calls are serialised). */
  write(d: CheckpointData): Promise<void> {
    const prev = this.writing ?? Promise.resolve();
    const next = prev.then(() => this.doWrite(d));
    this.writing = next.finally(() => {
      if (this.writing === next) this.writing = undefined;
    });
    return next;
  }

  async close(): Promise<void> {
    await this.writing?.catch(() => undefined);
    if (this.fd >= 0) await closeFd(this.fd);
    this.fd = -1;
  }

  private async doWrite(d: CheckpointData): Promise<void> {
    this.seq++;
    const buf = Buffer.alloc(EXT_END + 4);
    writeLong(buf, d.physicMsgTimestamp, 0);
    writeLong(buf, d.logicsMsgTimestamp, 8);
    writeLong(buf, d.indexMsgTimestamp, 16);
    writeLong(buf, d.physicOffset, 24);
    writeLong(buf, d.logicsOffset, 32);
    writeLong(buf, d.indexOffset, 40);
    writeLong(buf, this.seq, 48);
    buf.writeInt32BE(crc32(buf.subarray(0, BODY)) | 0, BODY);
    if (d.verifyFrom !== undefined) {
      writeLong(buf, d.verifyFrom, EXT);
      buf.writeInt32BE(crc32(buf.subarray(0, EXT_END)) | 0, EXT_END);
    }
    await writeAt(this.fd, buf, 0, buf.length, (this.seq % 2) * SLOT);
    await fdatasyncFd(this.fd);
  }
}

/** Writes a checkpoint file in one go (tests and tools). */
export async function writeCheckpointFile(path: string, d: CheckpointData): Promise<void> {
  const cp = new StoreCheckpoint(path);
  await cp.load();
  await cp.write(d);
  await cp.write(d);
  await cp.close();
}
