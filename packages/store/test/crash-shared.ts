// What the crash child and the crash tests agree on: store geometry and message bodies.
import type { FlushDiskType, MessageStoreConfig } from '../src/index.js';

export const CRASH_TOPIC = 'CrashTopic';

export function crashStoreConfig(dir: string, flushDiskType: FlushDiskType): MessageStoreConfig {
  return {
    storePathRootDir: dir,
    storeHost: '10.1.2.3:10911',
    flushDiskType,
    mappedFileSizeCommitLog: 256 * 1024,
    mappedFileSizeConsumeQueue: 20 * 500,
    maxHashSlotNum: 512,
    maxIndexNum: 4096,
    flushIntervalCommitLog: 20,
    flushIntervalConsumeQueue: 30,
  };
}

/** A body that says which append it belongs to, 20 to ~3000 bytes long. */
export function crashBody(seq: number): Buffer {
  const len = 20 + ((seq * 7919) % 3000);
  const b = Buffer.alloc(len, seq % 251);
  b.write(`#${seq}#`, 0);
  return b;
}
