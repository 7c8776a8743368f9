// Shared test helpers: temp store directories and message inputs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { decodeRecords, encodeProperties, type Properties, type StoredMessage } from '@contrail/common';
import type { MessageStore, PutMessageInput } from '../src/index.js';

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-store-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function msg(topic: string, queueId: number, body: string | Buffer, props: Properties = {}, extra: Partial<PutMessageInput> = {}): PutMessageInput {
  return {
    topic,
    queueId,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: 1_700_000_000_000,
    bornHost: '10.0.0.2:54321',
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: typeof body === 'string' ? Buffer.from(body) : body,
    properties: encodeProperties(props),
    ...extra,
  };
}

/** A settable clock for store timestamps and retention. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; set: (t: number) => void; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) };
}

/** Every record of a queue, pulled 32 at a time from offset 0 (each pull must find some), CRCs checked. */
export async function readQueue(s: MessageStore, topic: string, queueId: number): Promise<StoredMessage[]> {
  const out: StoredMessage[] = [];
  let offset = 0;
  while (offset < s.getMaxOffsetInQueue(topic, queueId)) {
    const g = await s.getMessage(topic, queueId, offset, 32);
    assert.equal(g.status, 'FOUND');
    out.push(...decodeRecords(Buffer.concat(g.buffers), { checkCrc: true }));
    offset = g.nextBeginOffset;
  }
  return out;
}
