// File-store specifics: segments roll with blank markers, reads from disk, retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { open, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BLANK_MAGIC_CODE, decodeRecords } from '@contrail/common';
import { DefaultMessageStore, segmentName, type MessageStoreConfig } from '../src/index.js';
import { manualClock, msg, readQueue, tempDir } from './helpers.js';

const SEG = 8192;

test('segments roll with a blank marker; everything reads back after restart, from disk', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const cfg: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: SEG, mappedFileSizeConsumeQueue: 200, hotTailBytes: 0 };
    let s = new DefaultMessageStore(cfg);
    await s.start();
    const ends: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await s.putMessage(msg('T', i % 2, Buffer.alloc(700, i)));
      assert.equal(r.status, 'PUT_OK');
      assert.equal(Math.floor(r.physicalOffset / SEG), Math.floor((r.physicalOffset + r.wroteBytes - 1) / SEG), 'no record spans segments');
      ends.push(r.physicalOffset + r.wroteBytes);
    }
    await s.shutdown();
    const files = (await readdir(join(dir, 'commitlog'))).sort();
    assert.ok(files.length >= 4);
    assert.equal(files[1], segmentName(SEG));
    // The first segment ends with a blank marker right after its last record.
    const lastEnd = Math.max(...ends.filter((e) => e <= SEG));
    const fh = await open(join(dir, 'commitlog', segmentName(0)), 'r');
    const b = Buffer.alloc(8);
    await fh.read(b, 0, 8, lastEnd);
    await fh.close();
    assert.equal(b.readInt32BE(0), SEG - lastEnd);
    assert.equal(b.readInt32BE(4), BLANK_MAGIC_CODE);
    assert.ok((await readdir(join(dir, 'consumequeue', 'T', '0'))).length >= 2, 'consume queue rolled too');

    s = new DefaultMessageStore(cfg);
    await s.start();
    for (const q of [0, 1]) {
      const seen = (await readQueue(s, 'T', q)).map((m) => m.body[0]);
      assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i * 2 + q));
    }
    assert.equal((await s.putMessage(msg('T', 0, 'next'))).queueOffset, 20);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});

test('retention deletes expired segments at the deleteWhen hour, and on a full disk; queues follow', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const clock = manualClock(new Date(2026, 0, 1, 4, 0, 0).getTime());
    let used = 10;
    const s = new DefaultMessageStore({
      storePathRootDir: dir,
      storeHost: '10.0.0.1:10911',
      mappedFileSizeCommitLog: SEG,
      mappedFileSizeConsumeQueue: 100,
      now: clock.now,
      diskUsedRatio: () => Promise.resolve(used),
    });
    await s.start();
    for (let i = 0; i < 30; i++) await s.putMessage(msg('T', 0, Buffer.alloc(700, i)));
    await s.flush();
    assert.equal(await s.retention.runOnce(), 0, 'nothing has expired yet');
    clock.advance(73 * 3_600_000); // 05:00 three days later: expired, but not the hour
    assert.equal(await s.retention.runOnce(), 0);
    clock.advance(23 * 3_600_000);
    const before = (await readdir(join(dir, 'commitlog'))).length;
    const deleted = await s.retention.runOnce();
    assert.equal(deleted, before - 1, 'all but the newest segment');
    const minPhy = s.getMinPhyOffset();
    assert.ok(minPhy > 0);
    const min = s.getMinOffsetInQueue('T', 0);
    assert.ok(min > 0);
    const g = await s.getMessage('T', 0, 0, 32);
    assert.deepEqual([g.status, g.nextBeginOffset], ['OFFSET_TOO_SMALL', min]);
    const ok = await s.getMessage('T', 0, min, 32);
    assert.equal(ok.status, 'FOUND');
    assert.ok(decodeRecords(Buffer.concat(ok.buffers)).every((m) => m.physicalOffset >= minPhy));

    // A full disk deletes at any hour, regardless of age.
    for (let i = 0; i < 30; i++) await s.putMessage(msg('T', 0, Buffer.alloc(700, i)));
    await s.flush();
    clock.advance(3_600_000);
    used = 90;
    assert.ok((await s.retention.runOnce()) > 0);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});

test('hot-tail chunks are reused only when no slice of them was handed out; every record reads back', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    // 64 KiB segments (so 64 KiB chunks) and a two-chunk hot tail: chunks fall out and get reused.
    const cfg: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 65536, hotTailBytes: 131072 };
    const s = new DefaultMessageStore(cfg);
    await s.start();
    const held: { buf: Buffer; copy: Buffer }[] = [];
    let n = 0;
    for (let wave = 0; wave < 12; wave++) {
      const puts = [];
      for (let i = 0; i < 40; i++, n++) puts.push(s.putMessage(msg('T', n % 2, Buffer.alloc(1000, n % 251))));
      for (const r of await Promise.all(puts)) assert.equal(r.status, 'PUT_OK');
      // Pull the newest records while they are in the hot tail and keep the views.
      const q = wave % 2;
      const max = s.getMaxOffsetInQueue('T', q);
      const g = await s.getMessage('T', q, max - 5, 5);
      assert.equal(g.status, 'FOUND');
      for (const b of g.buffers) held.push({ buf: b, copy: Buffer.from(b) });
    }
    for (const h of held) assert.ok(h.buf.equals(h.copy), 'a slice handed to a reader was overwritten');
    for (const q of [0, 1]) {
      const seen = (await readQueue(s, 'T', q)).map((m) => m.body[0]);
      assert.deepEqual(
        seen,
        Array.from({ length: n / 2 }, (_, i) => (i * 2 + q) % 251),
      );
    }
    await s.shutdown();
  } finally {
    await cleanup();
  }
});

test('a burst larger than a chunk: every ack comes after its bytes are written; reads stay in order', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const cfg: MessageStoreConfig = { storePathRootDir: dir, storeHost: '10.0.0.1:10911', mappedFileSizeCommitLog: 16 * 1024 * 1024 };
    let s = new DefaultMessageStore(cfg);
    await s.start();
    // About 7 MiB appended in one event-loop turn: two chunks, the second one a reused or prefaulted buffer.
    const puts = [];
    for (let i = 0; i < 7000; i++) puts.push(s.putMessage(msg('T', 0, Buffer.alloc(1000, i % 251))));
    let acked = 0;
    for (const p of puts) {
      void p.then((r) => {
        assert.ok(s.commitLog.writtenOffset >= r.physicalOffset + r.wroteBytes, 'acknowledged before written');
        acked++;
      });
    }
    const results = await Promise.all(puts);
    assert.equal(acked, 7000);
    results.forEach((r, i) => assert.equal(r.queueOffset, i));
    await s.shutdown();
    s = new DefaultMessageStore(cfg);
    await s.start();
    let k = 0;
    for (const m of await readQueue(s, 'T', 0)) assert.equal(m.body[0], k++ % 251);
    assert.equal(k, 7000);
    await s.shutdown();
  } finally {
    await cleanup();
  }
});
