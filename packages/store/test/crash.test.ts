// Fault tests: a child appends and is killed with SIGKILL at random moments; after each
// restart every acknowledged record must be there byte for byte, and the consume queues and
// index must agree with the log. A variant drops everything after the last fdatasync
// (power loss) before restarting a SYNC_FLUSH store. With the native helper, the ASYNC_FLUSH
// child appends through segment mappings (mapped writes), and the test checks that it did.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecord, type StoredMessage } from '@contrail/common';
import { DefaultMessageStore, type FlushDiskType } from '../src/index.js';
import { StoreCheckpoint } from '../src/store-checkpoint.js';
import { SegmentQueue } from '../src/segment-queue.js';
import { nativeHelper } from '../src/native-helper.js';
import { crashBody, crashStoreConfig, CRASH_TOPIC } from './crash-shared.js';
import { tempDir } from './helpers.js';

interface Ack {
  seq: number;
  phy: number;
  size: number;
  queueId: number;
  queueOffset: number;
  storeTimestamp: number;
}

const child = fileURLToPath(new URL('./crash-child.js', import.meta.url));

// Mapped writes need the native helper; on Linux in CI it must have been built.
const mapsSegments = nativeHelper()?.mapShared !== undefined || (process.platform === 'linux' && process.env.CI === 'true');

/** The most bytes a killed child reported appending through segment mappings. */
let mappedSeen = 0;

async function runAndKill(dir: string, mode: FlushDiskType, base: number, killAfterMs: number): Promise<Ack[]> {
  const p = spawn(process.execPath, [child, dir, mode, String(base)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  p.stdout.setEncoding('utf8');
  p.stdout.on('data', (chunk: string) => {
    out += chunk;
    if (out.startsWith('ready\n')) ready();
  });
  const exited = new Promise<void>((resolve) => p.on('exit', () => resolve()));
  await Promise.race([isReady, exited]);
  await new Promise((resolve) => setTimeout(resolve, killAfterMs));
  p.kill('SIGKILL');
  await exited;
  const acks: Ack[] = [];
  for (const line of out.split('\n').slice(1)) {
    const mapped = /^mapped (\d+)$/.exec(line);
    if (mapped !== null) {
      mappedSeen = Math.max(mappedSeen, Number(mapped[1]));
      continue;
    }
    const f = line.split(' ').map(Number);
    if (f.length !== 6 || f.some((x) => !Number.isFinite(x))) continue; // a line cut by the kill
    const [seq, phy, size, queueId, queueOffset, storeTimestamp] = f as [number, number, number, number, number, number];
    acks.push({ seq, phy, size, queueId, queueOffset, storeTimestamp });
  }
  return acks;
}

/** Every record of every queue, via pulls (so the consume queues are checked too). */
async function readQueues(store: DefaultMessageStore): Promise<Map<number, StoredMessage>> {
  const bySeq = new Map<number, StoredMessage>();
  for (let q = 0; q < 4; q++) {
    let offset = store.getMinOffsetInQueue(CRASH_TOPIC, q);
    const max = store.getMaxOffsetInQueue(CRASH_TOPIC, q);
    while (offset < max) {
      const r = await store.getMessage(CRASH_TOPIC, q, offset, 32);
      assert.equal(r.status, 'FOUND', `queue ${q} offset ${offset}`);
      for (const b of r.buffers) {
        const m = decodeRecord(b, 0, { checkCrc: true });
        assert.equal(m.queueId, q);
        assert.equal(m.queueOffset, offset, 'queue offsets are dense and in order');
        const seq = Number(m.properties.KEYS?.slice(1));
        assert.deepEqual(m.body, crashBody(seq), `record ${seq} is one the child wrote`);
        bySeq.set(seq, m);
        offset++;
      }
      assert.equal(offset, r.nextBeginOffset);
    }
  }
  return bySeq;
}

async function verify(dir: string, mode: FlushDiskType, acks: Ack[]): Promise<void> {
  const store = new DefaultMessageStore(crashStoreConfig(dir, mode));
  await store.start();
  try {
    const bySeq = await readQueues(store);
    for (const a of acks) {
      const m = bySeq.get(a.seq);
      assert.ok(m, `acknowledged append ${a.seq} at ${a.phy} survived`);
      assert.equal(m.physicalOffset, a.phy);
      assert.equal(m.storeSize, a.size);
      assert.equal(m.queueOffset, a.queueOffset);
      assert.equal(m.storeTimestamp, a.storeTimestamp);
    }
    // The index agrees: a sample of acknowledged keys is found.
    for (const a of acks.filter((_, i) => i % 50 === 0)) {
      const q = await store.queryMessage(CRASH_TOPIC, `k${a.seq}`, 4, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(q.buffers.length, 1, `index finds k${a.seq}`);
    }
    // Appends go on after recovery.
    const r = await store.putMessage({
      topic: CRASH_TOPIC, queueId: 0, flag: 0, sysFlag: 0, bornTimestamp: 1, bornHost: '1.2.3.4:5',
      reconsumeTimes: 0, preparedTransactionOffset: 0, body: crashBody(9_999_999), properties: 'KEYS\u0001k9999999',
    });
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.queueOffset, store.getMaxOffsetInQueue(CRASH_TOPIC, 0) - 1);
  } finally {
    await store.shutdown();
  }
}

/** Power loss: everything after the last fdatasync is gone (the files end there). */
async function dropUnsynced(dir: string, acks: Ack[]): Promise<void> {
  const cp = new StoreCheckpoint(join(dir, 'checkpoint'));
  const data = await cp.load();
  await cp.close();
  let synced = data?.physicOffset ?? 0;
  for (const a of acks) synced = Math.max(synced, a.phy + a.size);
  const segs = new SegmentQueue(join(dir, 'commitlog'), crashStoreConfig(dir, 'SYNC_FLUSH').mappedFileSizeCommitLog ?? 0);
  await segs.load();
  const seg = segs.find(synced);
  if (seg !== undefined) {
    await seg.truncateFrom(synced - seg.start);
    await segs.dropFrom(seg.end);
  } else {
    await segs.dropFrom(synced);
  }
  await segs.closeAll();
}

for (const [mode, runs, powerLoss] of [
  ['SYNC_FLUSH', 10, false],
  ['ASYNC_FLUSH', 10, false],
  ['SYNC_FLUSH', 5, true],
] as const) {
  // The kill comes 20-270 ms after start, so a faster store acknowledges more records per
  // run and each verification (every acknowledged record so far, plus index lookups) reads
  // more: ASYNC_FLUSH takes 25-50 s alone on a loaded 2-core VM.
  test(`kill -9 at random moments, ${mode}${powerLoss ? ' with power loss' : ''}: acknowledged records survive`, { timeout: 180_000 }, async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const all: Ack[] = [];
      for (let run = 0; run < runs; run++) {
        const acks = await runAndKill(dir, mode, run * 1_000_000, 20 + Math.floor(Math.random() * 250));
        if (powerLoss) await dropUnsynced(dir, acks);
        all.push(...acks);
        await verify(dir, mode, all);
      }
      assert.ok(all.length > 0, 'the child acknowledged something');
      // With the native helper, ASYNC_FLUSH appends went into segment mappings (mapped writes).
      if (mode === 'ASYNC_FLUSH' && mapsSegments) assert.ok(mappedSeen > 0, 'some records were appended through a segment mapping');
      assert.ok((await readdir(join(dir, 'commitlog'))).length > 1, 'the log rolled over segments');
    } finally {
      await cleanup();
    }
  });
}
