// Recovery on real files: a torn or bit-flipped last record is cut and the intact prefix
// kept (consume queue and index included); damage below the flushed offset stops start-up;
// with enabledAppendPropCRC a flip anywhere in a record is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ContrailError, decodeRecord, SystemTopic } from '@contrail/common';
import { DefaultMessageStore, segmentName, writeCheckpointFile, type MessageStoreConfig, type PutMessageResult } from '../src/index.js';
import { SegmentQueue } from '../src/segment-queue.js';
import { StoreCheckpoint } from '../src/store-checkpoint.js';
import { scanStart } from '../src/store-recovery.js';
import { msg, tempDir } from './helpers.js';

const SEG = 64 * 1024;

function config(dir: string, extra: Partial<MessageStoreConfig> = {}): MessageStoreConfig {
  return { storePathRootDir: dir, storeHost: '10.0.0.9:10911', mappedFileSizeCommitLog: SEG, mappedFileSizeConsumeQueue: 2000, maxHashSlotNum: 64, maxIndexNum: 512, ...extra };
}

async function pristine(dir: string, extra: Partial<MessageStoreConfig> = {}): Promise<{ results: PutMessageResult[]; records: Buffer[] }> {
  const s = new DefaultMessageStore(config(dir, extra));
  await s.start();
  const results: PutMessageResult[] = [];
  for (let i = 0; i < 5; i++) results.push(await s.putMessage(msg('T', 0, `body-${i}`, { KEYS: `key${i}` })));
  const records = (await s.getMessage('T', 0, 0, 32)).buffers.map((b) => Buffer.from(b));
  await s.shutdown();
  return { results, records };
}

/**
 * Leaves the store as a crash would: abort marker present, checkpoint short of `promised`;
 * consume queues and index checkpointed at `dispatched` (where the scan starts).
 */
async function markCrashed(dir: string, promised: number, dispatched = promised): Promise<void> {
  await writeFile(join(dir, 'abort'), '1');
  await writeCheckpointFile(join(dir, 'checkpoint'), {
    physicMsgTimestamp: 0,
    logicsMsgTimestamp: 0,
    indexMsgTimestamp: 0,
    physicOffset: promised,
    logicsOffset: dispatched,
    indexOffset: dispatched,
  });
}

async function mutateLog(dir: string, fn: (fd: import('node:fs/promises').FileHandle) => Promise<void>): Promise<void> {
  const fh = await open(join(dir, 'commitlog', segmentName(0)), 'r+');
  try {
    await fn(fh);
  } finally {
    await fh.close();
  }
}

async function expectPrefix(dir: string, records: Buffer[], keep: number, what: string, extra: Partial<MessageStoreConfig> = {}): Promise<void> {
  const s = new DefaultMessageStore(config(dir, extra));
  await s.start();
  try {
    assert.equal(s.getMaxOffsetInQueue('T', 0), keep, what);
    const g = await s.getMessage('T', 0, 0, 32);
    assert.deepEqual(g.buffers, records.slice(0, keep), what);
    for (let i = 0; i < 5; i++) {
      const q = await s.queryMessage('T', `key${i}`, 4, 0, Number.MAX_SAFE_INTEGER);
      assert.equal(q.buffers.length, i < keep ? 1 : 0, `${what}: index for key${i}`);
    }
    const lost = decodeRecord(records[keep] as Buffer);
    assert.equal(await s.lookMessageByOffset(lost.physicalOffset), null, what);
    const r = await s.putMessage(msg('T', 0, 'after'));
    assert.equal(r.physicalOffset, lost.physicalOffset, `${what}: appends continue at the cut`);
    assert.equal(r.queueOffset, keep);
  } finally {
    await s.shutdown();
  }
}

test('a torn last record is cut at every byte position; bit flips in checked fields too', { timeout: 60_000 }, async () => {
  const { dir: base, cleanup } = await tempDir();
  try {
    const src = join(base, 'pristine');
    const { results, records } = await pristine(src);
    const last = results[4] as PutMessageResult;
    const work = join(base, 'work');
    const fresh = async (): Promise<void> => {
      await rm(work, { recursive: true, force: true });
      await cp(src, work, { recursive: true });
      await markCrashed(work, last.physicalOffset);
    };
    // Every cut short of the record's end: up to the properties length it takes away a field
    // recovery checks; inside the topic or properties text (which the v1 layout has no
    // checksum over) it leaves zeros at the end of the last record, which recovery reads as
    // a torn write.
    const lastRec = decodeRecord(records[4] as Buffer);
    const propsLenAt = 84 + 4 + lastRec.body.length + 1 + lastRec.topic.length;
    for (let cut = 0; cut < (records[4] as Buffer).length; cut++) {
      await fresh();
      await mutateLog(work, async (fh) => {
        await fh.truncate(last.physicalOffset + cut);
        await fh.truncate(SEG);
      });
      await expectPrefix(work, records, 4, `cut at +${cut}`);
    }
    // Fields recovery checks: size, magic, body CRC, physical offset, body length and body,
    // topic length, properties length. (The v1 layout has no checksum over the other header
    // fields, so a flip there cannot be told from data.)
    const bodyAt = 84 + 4;
    const topicLenAt = bodyAt + lastRec.body.length;
    const checked = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 28, 29, 30, 31, 32, 33, 34, 35, 84, 85, 86, 87];
    for (let i = bodyAt; i < topicLenAt + 1; i++) checked.push(i);
    checked.push(propsLenAt, propsLenAt + 1);
    for (const pos of checked) {
      for (const bit of [0, 3, 7]) {
        await fresh();
        await mutateLog(work, async (fh) => {
          const b = Buffer.alloc(1);
          await fh.read(b, 0, 1, last.physicalOffset + pos);
          b[0] = (b[0] as number) ^ (1 << bit);
          await fh.write(b, 0, 1, last.physicalOffset + pos);
        });
        await expectPrefix(work, records, 4, `flip bit ${bit} of byte ${pos}`);
      }
    }
  } finally {
    await cleanup();
  }
});

test('whole last records past the flushed offset are kept: without properties, and with properties ending in NUL', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const s = new DefaultMessageStore(config(dir));
    await s.start();
    const first = await s.putMessage(msg('T', 0, 'with-keys', { KEYS: 'k' }));
    await s.putMessage(msg('T', 0, 'nul-ending', { V: 'x\u0000' }));
    await s.putMessage(msg('T', 0, 'no-properties'));
    await s.shutdown();
    await markCrashed(dir, first.physicalOffset);
    const again = new DefaultMessageStore(config(dir));
    await again.start();
    try {
      const got = (await again.getMessage('T', 0, 0, 32)).buffers.map((b) => decodeRecord(b));
      assert.deepEqual(got.map((m) => m.body.toString()), ['with-keys', 'nul-ending', 'no-properties']);
      assert.equal(got[1]?.properties.V, 'x\u0000');
    } finally {
      await again.shutdown();
    }
  } finally {
    await cleanup();
  }
});

test('damage below the flushed offset stops start-up with STORE_CORRUPTED naming file and offset', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { results } = await pristine(dir);
    const victim = results[2] as PutMessageResult;
    // A checkpoint without verifyFrom (as older versions wrote): checked from its segment's start.
    await markCrashed(dir, (results[4] as PutMessageResult).physicalOffset + (results[4] as PutMessageResult).wroteBytes);
    await mutateLog(dir, async (fh) => {
      await fh.write(Buffer.from('X'), 0, 1, victim.physicalOffset + 90);
    });
    const s = new DefaultMessageStore(config(dir));
    await assert.rejects(s.start(), (err: unknown) => {
      assert.ok(err instanceof ContrailError);
      assert.equal(err.code, 'STORE_CORRUPTED');
      assert.match(err.message, new RegExp(`${segmentName(0)} at file offset ${victim.physicalOffset}`));
      return true;
    });
  } finally {
    await cleanup();
  }
});

test('an unclean start scans from the oldest checkpointed offset, which must be where a record starts', async () => {
  const segs = new SegmentQueue('/nonexistent', SEG);
  const at = (physicOffset: number, logicsOffset: number, indexOffset: number) =>
    scanStart({ physicMsgTimestamp: 0, logicsMsgTimestamp: 0, indexMsgTimestamp: 0, physicOffset, logicsOffset, indexOffset }, segs);
  assert.equal(at(0, 0, 0), 0, 'no segments');
  segs.segments.push(...[0, SEG, 2 * SEG].map((start) => ({ start, end: start + SEG }) as never));
  assert.equal(scanStart(null, segs), 0, 'no checkpoint: the whole log');
  assert.equal(at(SEG + 900, SEG + 300, SEG + 500), SEG + 300, 'the oldest of the three, inside its segment');
  assert.equal(at(3 * SEG, 3 * SEG, 3 * SEG + 7), 2 * SEG, 'at or past the end: the last segment, to find where data ends');
});

test('an unclean start whose checkpoint points into a record scans from the start of its segment and keeps every record', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { results, records } = await pristine(dir);
    const end = (results[4] as PutMessageResult).physicalOffset + (results[4] as PutMessageResult).wroteBytes;
    // Five bytes into the third record: scanning from there would read its body as a header.
    await markCrashed(dir, end, (results[2] as PutMessageResult).physicalOffset + 5);
    const s = new DefaultMessageStore(config(dir));
    await s.start();
    try {
      assert.deepEqual((await s.getMessage('T', 0, 0, 32)).buffers, records);
      for (let i = 0; i < 5; i++) assert.equal((await s.queryMessage('T', `key${i}`, 4, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 1, `key${i}`);
    } finally {
      await s.shutdown();
    }
  } finally {
    await cleanup();
  }
});

test('a running store checkpoints a verify window below the flushed offset; damage inside it stops an unclean start', async () => {
  const { dir: base, cleanup } = await tempDir();
  const live = join(base, 'live');
  const cfg = (dir: string): MessageStoreConfig => ({ ...config(dir), recoveryCheckBytes: 2000, flushIntervalCommitLog: 10, flushIntervalConsumeQueue: 10 });
  const s = new DefaultMessageStore(cfg(live));
  await s.start();
  try {
    const results: PutMessageResult[] = [];
    for (let batch = 0; batch < 6; batch++) {
      for (let i = 0; i < 10; i++) results.push(await s.putMessage(msg('T', 0, `body-${batch}-${i}`, { KEYS: `k${batch}-${i}` })));
      await new Promise((r) => setTimeout(r, 40));
    }
    const probe = new StoreCheckpoint(join(live, 'checkpoint'));
    const ckpt = await probe.load();
    await probe.close();
    assert.ok(ckpt !== null && ckpt.verifyFrom !== undefined, 'the checkpoint carries verifyFrom');
    const starts = results.map((r) => r.physicalOffset);
    assert.ok(starts.includes(ckpt.verifyFrom), `verifyFrom ${ckpt.verifyFrom} is where a record starts`);
    assert.ok(ckpt.verifyFrom > 0 && ckpt.verifyFrom <= ckpt.physicOffset - 2000, `window ${ckpt.verifyFrom}..${ckpt.physicOffset}`);
    const inside = results.find((r) => r.physicalOffset >= ckpt.verifyFrom! && r.physicalOffset + r.wroteBytes <= ckpt.physicOffset) as PutMessageResult;
    const below = results.find((r) => r.physicalOffset + r.wroteBytes <= ckpt.verifyFrom!) as PutMessageResult;
    // Crash images: the files as they are now, abort marker included, one byte of a body (at +88) replaced.
    const image = async (name: string, victim: PutMessageResult): Promise<string> => {
      const dir = join(base, name);
      await cp(live, dir, { recursive: true });
      await mutateLog(dir, async (fh) => {
        await fh.write(Buffer.from('X'), 0, 1, victim.physicalOffset + 88 + 2);
      });
      return dir;
    };
    const damaged = new DefaultMessageStore(cfg(await image('inside', inside)));
    await assert.rejects(damaged.start(), (err: unknown) => err instanceof ContrailError && err.code === 'STORE_CORRUPTED' && err.message.includes(`commit-log offset ${inside.physicalOffset}`));
    // Below the window the log is trusted: that start goes ahead.
    const trusted = new DefaultMessageStore(cfg(await image('below', below)));
    await trusted.start();
    assert.equal(trusted.getMaxOffsetInQueue('T', 0) >= results.filter((r) => r.physicalOffset < ckpt.physicOffset).length, true);
    await trusted.shutdown();
  } finally {
    await s.shutdown();
    await cleanup();
  }
});

test('an unclean start without a checkpoint rebuilds consume queue and index from the whole log', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { records } = await pristine(dir);
    await rm(join(dir, 'consumequeue'), { recursive: true });
    await rm(join(dir, 'index'), { recursive: true });
    await rm(join(dir, 'checkpoint'));
    await writeFile(join(dir, 'abort'), '1');
    const s = new DefaultMessageStore(config(dir));
    await s.start();
    assert.deepEqual((await s.getMessage('T', 0, 0, 32)).buffers, records);
    assert.equal((await s.queryMessage('T', 'key3', 4, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 1);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});

test('an index file whose final flush was lost is indexed again from where its header ends', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // Seven entries per index file: 40 keyed records fill several files.
    const cfg = { ...config(dir), maxHashSlotNum: 4, maxIndexNum: 8 };
    const s = new DefaultMessageStore(cfg);
    await s.start();
    for (let i = 0; i < 40; i++) await s.putMessage(msg('T', 0, `body-${i}`, { KEYS: `key${i}` }));
    await s.shutdown();
    const names = (await readdir(join(dir, 'index'))).sort();
    assert.ok(names.length >= 4, `index files: ${names.join(' ')}`);
    // The second file keeps the header of a flush made before any of its entries was
    // written, while the files after it were flushed in full (the files flush together).
    const fh = await open(join(dir, 'index', names[1] as string), 'r+');
    try {
      const h = Buffer.alloc(40);
      await fh.read(h, 0, 40, 0);
      h.writeBigInt64BE(h.readBigInt64BE(16), 24); // endPhyOffset = beginPhyOffset
      h.writeInt32BE(1, 36); // indexCount: no entries
      await fh.write(h, 0, 40, 0);
    } finally {
      await fh.close();
    }
    await writeFile(join(dir, 'abort'), '1');
    const r = new DefaultMessageStore(cfg);
    await r.start();
    try {
      for (let i = 0; i < 40; i++) {
        const q = await r.queryMessage('T', `key${i}`, 4, 0, Number.MAX_SAFE_INTEGER);
        assert.equal(q.buffers.length, 1, `index finds key${i}`);
      }
    } finally {
      await r.shutdown();
    }
  } finally {
    await cleanup();
  }
});

const CRC_ON = { enabledAppendPropCRC: true };

/** Starts a store on dir, runs fn with it, shuts it down. */
async function withStore<T>(dir: string, extra: Partial<MessageStoreConfig>, fn: (s: DefaultMessageStore) => Promise<T> | T): Promise<T> {
  const s = new DefaultMessageStore(config(dir, extra));
  await s.start();
  try {
    return await fn(s);
  } finally {
    await s.shutdown();
  }
}

/** What the last 20 bytes of a record must be: RocketMQ's __CRC32# property, computed here. */
function expectedCrcTail(rec: Buffer): Buffer {
  let v = crc32(rec.subarray(0, rec.length - 20)) & 0x7fffffff;
  let digits = '';
  for (let i = 0; i < 10; i++, v = Math.floor(v / 10)) digits += String(v % 10);
  return Buffer.from(`__CRC32#\u0001${digits}\u0002`, 'latin1');
}

test('enabledAppendPropCRC: every record ends with a CRC32 of the rest of it, as a property after a separator', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const { records } = await pristine(dir, CRC_ON);
    for (const rec of records) {
      assert.deepEqual(rec.subarray(rec.length - 20), expectedCrcTail(rec));
      const m = decodeRecord(rec, 0, { checkCrc: true });
      assert.equal(m.properties.KEYS?.startsWith('key'), true);
      assert.match(m.properties['__CRC32#'] ?? '', /^\d{10}$/);
    }
    assert.equal((await readFile(join(dir, 'crc32from'), 'utf8')).trim(), '0');
  } finally {
    await cleanup();
  }
});

test('enabledAppendPropCRC: a bit flipped anywhere in the last record, header, topic and properties included, is cut', { timeout: 120_000 }, async () => {
  const { dir: base, cleanup } = await tempDir();
  try {
    const src = join(base, 'pristine');
    const { results, records } = await pristine(src, CRC_ON);
    const last = results[4] as PutMessageResult;
    const size = (records[4] as Buffer).length;
    const work = join(base, 'work');
    for (let pos = 0; pos < size; pos++) {
      await rm(work, { recursive: true, force: true });
      await cp(src, work, { recursive: true });
      await markCrashed(work, last.physicalOffset);
      const bit = pos % 8;
      await mutateLog(work, async (fh) => {
        const b = Buffer.alloc(1);
        await fh.read(b, 0, 1, last.physicalOffset + pos);
        b[0] = (b[0] as number) ^ (1 << bit);
        await fh.write(b, 0, 1, last.physicalOffset + pos);
      });
      await expectPrefix(work, records, 4, `flip bit ${bit} of byte ${pos} of ${size}`, CRC_ON);
    }
  } finally {
    await cleanup();
  }
});

test('enabledAppendPropCRC switched on later: older records need no CRC, newer ones must have one; off again forgets it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await withStore(dir, {}, async (s) => {
      for (let i = 0; i < 3; i++) await s.putMessage(msg('T', 0, `old-${i}`, { KEYS: `key${i}` }));
    });
    const { from, r3, r4, records } = await withStore(dir, CRC_ON, async (s) => ({
      from: Number((await readFile(join(dir, 'crc32from'), 'utf8')).trim()),
      r3: await s.putMessage(msg('T', 0, 'new-3', { KEYS: 'key3' })),
      r4: await s.putMessage(msg('T', 0, 'new-4', { KEYS: 'key4' })),
      records: (await s.getMessage('T', 0, 0, 32)).buffers.map((b) => Buffer.from(b)),
    }));
    assert.equal(from, r3.physicalOffset, 'required from the log end at the start that switched it on');
    assert.equal((records[2] as Buffer).subarray(-20).toString('latin1').startsWith('__CRC32#'), false);
    assert.deepEqual((records[4] as Buffer).subarray(-20), expectedCrcTail(records[4] as Buffer));
    // Unclean start from the beginning: the three old records pass without a CRC.
    await markCrashed(dir, 0);
    assert.equal(await withStore(dir, CRC_ON, (s) => s.getMaxOffsetInQueue('T', 0)), 5);
    // A record past the switch whose CRC property is unrecognisable is cut, not trusted.
    await markCrashed(dir, r4.physicalOffset);
    await mutateLog(dir, async (fh) => {
      const at = r4.physicalOffset + r4.wroteBytes - 20;
      await fh.write(Buffer.from('_'), 0, 1, at + 1);
      await fh.write(Buffer.from('X'), 0, 1, at + 2);
    });
    assert.equal(await withStore(dir, CRC_ON, (s) => s.getMaxOffsetInQueue('T', 0)), 4);
    await withStore(dir, {}, () => undefined);
    await assert.rejects(readFile(join(dir, 'crc32from')), { code: 'ENOENT' });
  } finally {
    await cleanup();
  }
});

test("a client's own __CRC32# property at the end of a message never cuts the log, with the option off or on", async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // As a message forwarded from a CRC-enabled broker could carry it: with a wrong value and
    // a trailing separator, so the record's last 20 bytes look like a CRC property.
    const forwarded = (i: number): ReturnType<typeof msg> => msg('T', 0, `fwd-${i}`, {}, { properties: `KEYS\u0001key${i}\u0002__CRC32#\u00010123456789\u0002` });
    await withStore(dir, {}, (s) => s.putMessage(forwarded(0)));
    await withStore(dir, CRC_ON, (s) => s.putMessage(forwarded(1)));
    await markCrashed(dir, 0);
    assert.equal(await withStore(dir, CRC_ON, (s) => s.getMaxOffsetInQueue('T', 0)), 2);
  } finally {
    await cleanup();
  }
});

test('a damaged crc32from stops a start with enabledAppendPropCRC, and a start without it removes the file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, 'crc32from'), 'not an offset');
    const on = new DefaultMessageStore(config(dir, CRC_ON));
    await assert.rejects(on.start(), (err: unknown) => err instanceof ContrailError && err.code === 'STORE_CORRUPTED' && /crc32from/.test(err.message));
    await withStore(dir, {}, () => undefined);
    await assert.rejects(readFile(join(dir, 'crc32from')), { code: 'ENOENT' });
  } finally {
    await cleanup();
  }
});

test('consume queues and index rebuilt from the log hold what the appends wrote (tags, keys, unique keys, delays)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    let t = 1_700_000_000_000;
    const now = (): number => (t += 7);
    const cfg = config(dir, { now });
    const s = new DefaultMessageStore(cfg);
    await s.start();
    for (let i = 0; i < 30; i++) {
      const props: Record<string, string> = { TAGS: `tag${i % 4}`, KEYS: `k${i} shared`, UNIQ_KEY: `U${i}` };
      // A value left empty is dropped; a later duplicate wins (decodeProperties' rules).
      const extra = i % 5 === 0 ? { properties: `TAGS\u0001early\u0002${Object.entries(props).map(([k, v]) => `${k}\u0001${v}`).join('\u0002')}\u0002KEYS\u0001\u0002` } : {};
      await s.putMessage(msg('T', i % 2, `body-${i}`, props, extra));
    }
    for (let level = 1; level <= 3; level++) await s.putMessage(msg(SystemTopic.SCHEDULE, level - 1, `later-${level}`, { DELAY: String(level), REAL_TOPIC: 'T' }));
    await s.shutdown();
    const queueFiles = async (): Promise<Map<string, Buffer>> => {
      const out = new Map<string, Buffer>();
      for (const topic of await readdir(join(dir, 'consumequeue'))) {
        for (const q of await readdir(join(dir, 'consumequeue', topic))) {
          for (const f of await readdir(join(dir, 'consumequeue', topic, q))) out.set(`${topic}/${q}/${f}`, await readFile(join(dir, 'consumequeue', topic, q, f)));
        }
      }
      return out;
    };
    const before = await queueFiles();
    assert.equal(before.size, 5);
    // Nothing but the log left: everything is rebuilt by the replay.
    await rm(join(dir, 'consumequeue'), { recursive: true });
    await rm(join(dir, 'index'), { recursive: true });
    await markCrashed(dir, 0);
    await withStore(dir, { now }, async (r) => {
      for (let i = 0; i < 30; i++) {
        assert.equal((await r.queryMessage('T', `k${i}`, 4, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 1, `key k${i}`);
        assert.equal((await r.queryMessage('T', `U${i}`, 4, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 1, `unique key U${i}`);
      }
      assert.equal((await r.queryMessage('T', 'shared', 64, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 30);
    });
    const after = await queueFiles();
    assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
    for (const [name, bytes] of before) assert.ok(bytes.equals(after.get(name) as Buffer), `${name} rebuilt byte for byte`);
  } finally {
    await cleanup();
  }
});
