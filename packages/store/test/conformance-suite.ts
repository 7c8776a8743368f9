// The behaviour every MessageStore must show, run against each implementation with its own
// factory (the file store and the memory store).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, decodeRecords, encodeHost, SysFlag, SystemTopic, tagsCode } from '@contrail/common';
import type { MessageStore, MessageStoreConfig } from '../src/index.js';
import { manualClock, msg } from './helpers.js';

export interface StoreHarness {
  store: MessageStore;
  /** Shuts the store down cleanly and opens it again on the same data, when it has data. */
  reopen?: () => Promise<MessageStore>;
  close(): Promise<void>;
}

export type StoreFactory = (config: Omit<MessageStoreConfig, 'storePathRootDir'>) => Promise<StoreHarness>;

const HOST = '192.168.1.7:10911';

export function runConformanceSuite(name: string, factory: StoreFactory): void {
  describe(`${name}: MessageStore conformance`, () => {
    const open = async (extra: Partial<MessageStoreConfig> = {}): Promise<StoreHarness & { clock: ReturnType<typeof manualClock> }> => {
      const clock = manualClock();
      const h = await factory({ storeHost: HOST, now: clock.now, ...extra });
      return { ...h, clock };
    };

    test('a put comes back byte for byte with the fields the store writes', async () => {
      const h = await open();
      try {
        const r = await h.store.putMessage(msg('T', 1, 'hello', { TAGS: 'TagA', KEYS: 'k1' }));
        assert.equal(r.status, 'PUT_OK');
        assert.equal(r.queueOffset, 0);
        assert.equal(r.msgNum, 1);
        assert.equal(r.storeTimestamp, h.clock.now());
        const g = await h.store.getMessage('T', 1, 0, 32);
        assert.equal(g.status, 'FOUND');
        assert.equal(g.messageCount, 1);
        assert.equal(g.nextBeginOffset, 1);
        const buf = g.buffers[0];
        assert.ok(buf);
        assert.equal(g.totalBytes, buf.length);
        assert.equal(r.wroteBytes, buf.length);
        const m = decodeRecord(buf, 0, { checkCrc: true });
        assert.equal(m.topic, 'T');
        assert.equal(m.queueId, 1);
        assert.equal(m.queueOffset, 0);
        assert.equal(m.physicalOffset, r.physicalOffset);
        assert.equal(m.body.toString(), 'hello');
        assert.equal(m.storeHost, HOST);
        assert.equal(m.bornHost, '10.0.0.2:54321');
        assert.equal(m.storeTimestamp, r.storeTimestamp);
        assert.equal(m.msgId, r.msgId);
        assert.deepEqual(m.properties, { TAGS: 'TagA', KEYS: 'k1' });
        assert.deepEqual(await h.store.lookMessageByOffset(r.physicalOffset), buf);
        assert.equal(await h.store.lookMessageByOffset(r.physicalOffset + 1), null);
        assert.ok(h.store.getMaxPhyOffset() >= r.physicalOffset + buf.length);
      } finally {
        await h.close();
      }
    });

    test('pull statuses and nextBeginOffset follow the protocol table', async () => {
      const h = await open();
      try {
        const s = h.store;
        let g = await s.getMessage('T', 0, 0, 32);
        assert.deepEqual([g.status, g.nextBeginOffset, g.minOffset, g.maxOffset], ['NO_MESSAGE_IN_QUEUE', 0, 0, 0]);
        g = await s.getMessage('T', 0, 7, 32);
        assert.deepEqual([g.status, g.nextBeginOffset], ['NO_MESSAGE_IN_QUEUE', 0]);
        for (let i = 0; i < 3; i++) assert.equal((await s.putMessage(msg('T', 0, `m${i}`))).queueOffset, i);
        assert.equal(s.getMaxOffsetInQueue('T', 0), 3);
        assert.equal(s.getMinOffsetInQueue('T', 0), 0);
        assert.equal(s.getMaxOffsetInQueue('T', 9), 0);
        g = await s.getMessage('T', 0, 3, 32);
        assert.deepEqual([g.status, g.nextBeginOffset, g.minOffset, g.maxOffset], ['OFFSET_OVERFLOW_ONE', 3, 0, 3]);
        g = await s.getMessage('T', 0, 10, 32);
        assert.deepEqual([g.status, g.nextBeginOffset], ['OFFSET_OVERFLOW_BADLY', 3]);
        g = await s.getMessage('T', 0, 0, 2);
        assert.deepEqual([g.status, g.nextBeginOffset, g.messageCount], ['FOUND', 2, 2]);
        g = await s.getMessage('T', 0, 1, 32);
        assert.deepEqual([g.status, g.nextBeginOffset, g.messageCount], ['FOUND', 3, 2]);
        assert.deepEqual(
          decodeRecords(Buffer.concat(g.buffers)).map((m) => m.body.toString()),
          ['m1', 'm2'],
        );
      } finally {
        await h.close();
      }
    });

    test('tag filter: matches by tags code, filtered entries still advance nextBeginOffset', async () => {
      const h = await open();
      try {
        const s = h.store;
        for (const t of ['A', 'B', 'A', 'B']) await s.putMessage(msg('T', 0, t, { TAGS: t }));
        await s.putMessage(msg('T', 0, 'none'));
        const codeA = tagsCode('A');
        let g = await s.getMessage('T', 0, 0, 32, (c) => c === codeA);
        assert.deepEqual([g.status, g.messageCount, g.nextBeginOffset], ['FOUND', 2, 5]);
        assert.deepEqual(decodeRecords(Buffer.concat(g.buffers)).map((m) => m.body.toString()), ['A', 'A']);
        g = await s.getMessage('T', 0, 0, 32, (c) => c === tagsCode('C'));
        assert.deepEqual([g.status, g.messageCount, g.nextBeginOffset], ['NO_MATCHED_MESSAGE', 0, 5]);
        g = await s.getMessage('T', 0, 0, 32, (c) => c === 0);
        assert.deepEqual([g.status, g.messageCount], ['FOUND', 1]);
        g = await s.getMessage('T', 0, 1, 1, (c) => c === codeA);
        assert.deepEqual([g.status, g.messageCount, g.nextBeginOffset], ['FOUND', 1, 3]);
      } finally {
        await h.close();
      }
    });

    test('batches get consecutive offsets and comma-joined msgIds; bad batches are refused', async () => {
      const h = await open();
      try {
        const s = h.store;
        await s.putMessage(msg('T', 2, 'first'));
        const r = await s.putMessages([msg('T', 2, 'a'), msg('T', 2, 'b'), msg('T', 2, 'c')]);
        assert.equal(r.status, 'PUT_OK');
        assert.equal(r.msgNum, 3);
        assert.equal(r.queueOffset, 1);
        const ids = r.msgId.split(',');
        assert.equal(ids.length, 3);
        const g = await s.getMessage('T', 2, 1, 32);
        const ms = decodeRecords(Buffer.concat(g.buffers));
        assert.deepEqual(ms.map((m) => m.queueOffset), [1, 2, 3]);
        assert.deepEqual(ms.map((m) => m.msgId), ids);
        assert.equal(ms[0]?.physicalOffset, r.physicalOffset);
        assert.equal(r.wroteBytes, g.totalBytes);
        assert.equal((await s.putMessages([msg('T', 2, 'a'), msg('T', 3, 'b')])).status, 'MESSAGE_ILLEGAL');
        assert.equal((await s.putMessages([])).status, 'MESSAGE_ILLEGAL');
      } finally {
        await h.close();
      }
    });

    test('oversized bodies and properties are refused', async () => {
      const h = await open({ maxMessageSize: 1024 });
      try {
        const s = h.store;
        assert.equal((await s.putMessage(msg('T', 0, Buffer.alloc(1025)))).status, 'MESSAGE_ILLEGAL');
        assert.equal((await s.putMessage(msg('T', 0, 'x', { BIG: 'v'.repeat(40_000) }))).status, 'PROPERTIES_SIZE_EXCEEDED');
        assert.equal((await s.putMessage(msg('x'.repeat(128), 0, 'x'))).status, 'MESSAGE_ILLEGAL');
        assert.equal(s.getMaxOffsetInQueue('T', 0), 0);
        assert.equal((await s.putMessage(msg('T', 0, Buffer.alloc(1024)))).status, 'PUT_OK');
      } finally {
        await h.close();
      }
    });

    test('offsets by time, earliest time, commit-log offset of an entry', async () => {
      const h = await open();
      try {
        const s = h.store;
        assert.equal(await s.getOffsetInQueueByTime('T', 0, 1), 0);
        assert.equal(await s.getEarliestMessageTime('T', 0), -1);
        const t0 = h.clock.now();
        const phys: number[] = [];
        for (let i = 0; i < 5; i++) {
          phys.push((await s.putMessage(msg('T', 0, `m${i}`))).physicalOffset);
          h.clock.advance(1000);
        }
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0 - 5), 0);
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0), 0);
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0 + 1), 1);
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0 + 2500), 3);
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0 + 4000), 4);
        assert.equal(await s.getOffsetInQueueByTime('T', 0, t0 + 99_000), 5);
        assert.equal(await s.getEarliestMessageTime('T', 0), t0);
        assert.equal(await s.getCommitLogOffsetInQueue('T', 0, 3), phys[3]);
      } finally {
        await h.close();
      }
    });

    test('query by key and by UNIQ_KEY, within the time range, verified against the record', async () => {
      const h = await open();
      try {
        const s = h.store;
        const t0 = h.clock.now();
        await s.putMessage(msg('T', 0, 'one', { KEYS: 'order-1 user-9', UNIQ_KEY: 'AABB' }));
        h.clock.advance(10_000);
        await s.putMessage(msg('T', 1, 'two', { KEYS: 'order-2 user-9' }));
        await s.putMessage(msg('U', 0, 'other topic', { KEYS: 'user-9' }));
        const body = (bufs: Buffer[]): string[] => bufs.map((b) => decodeRecord(b).body.toString()).sort();
        let q = await s.queryMessage('T', 'user-9', 32, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(body(q.buffers), ['one', 'two']);
        q = await s.queryMessage('T', 'order-1', 32, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(body(q.buffers), ['one']);
        q = await s.queryMessage('T', 'AABB', 32, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(body(q.buffers), ['one']);
        q = await s.queryMessage('T', 'user-9', 1, 0, Number.MAX_SAFE_INTEGER);
        assert.equal(q.buffers.length, 1);
        q = await s.queryMessage('T', 'user-9', 32, t0 + 5000, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(body(q.buffers), ['two']);
        q = await s.queryMessage('T', 'user-', 32, 0, Number.MAX_SAFE_INTEGER);
        assert.equal(q.buffers.length, 0);
        q = await s.queryMessage('U', 'user-9', 32, 0, Number.MAX_SAFE_INTEGER);
        assert.deepEqual(body(q.buffers), ['other topic']);
        assert.ok(q.indexLastUpdateTimestamp >= t0);
      } finally {
        await h.close();
      }
    });

    test('arrive listeners hear each dispatched record once its entry exists', async () => {
      const h = await open();
      try {
        const s = h.store;
        const seen: unknown[] = [];
        const off = s.onArrive((topic, queueId, queueOffset, code, ts) => {
          seen.push([topic, queueId, queueOffset, code, ts, s.getMaxOffsetInQueue(topic, queueId)]);
        });
        const r = await s.putMessage(msg('T', 3, 'x', { TAGS: 'A' }));
        assert.deepEqual(seen, [['T', 3, 0, tagsCode('A'), r.storeTimestamp, 1]]);
        off();
        await s.putMessage(msg('T', 3, 'y'));
        assert.equal(seen.length, 1);
      } finally {
        await h.close();
      }
    });

    test('schedule topic entries carry the delivery time as tags code', async () => {
      const h = await open();
      try {
        const s = h.store;
        const r = await s.putMessage(msg(SystemTopic.SCHEDULE, 2, 'later', { DELAY: '3', REAL_TOPIC: 'T', REAL_QID: '0' }));
        let code = 0;
        await s.getMessage(SystemTopic.SCHEDULE, 2, 0, 1, (c) => {
          code = c;
          return true;
        });
        assert.equal(code, r.storeTimestamp + 10_000);
      } finally {
        await h.close();
      }
    });

    test('prepared and rolled-back transaction records get no queue offset or index entry', async () => {
      const h = await open();
      try {
        const s = h.store;
        const r = await s.putMessage(msg('T', 0, 'half', { KEYS: 'tx' }, { sysFlag: SysFlag.TRANSACTION_PREPARED_TYPE }));
        assert.equal(r.status, 'PUT_OK');
        assert.equal(r.queueOffset, 0);
        assert.equal(s.getMaxOffsetInQueue('T', 0), 0);
        assert.equal((await s.queryMessage('T', 'tx', 32, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 0);
        assert.ok(await s.lookMessageByOffset(r.physicalOffset));
        const c = await s.putMessage(msg('T', 0, 'commit', { KEYS: 'tx' }, { sysFlag: SysFlag.TRANSACTION_COMMIT_TYPE, storeTimestamp: 42 }));
        assert.equal(c.queueOffset, 0);
        assert.equal(c.storeTimestamp, 42);
        assert.equal(s.getMaxOffsetInQueue('T', 0), 1);
      } finally {
        await h.close();
      }
    });

    test('maxBytes bounds a pull (at least one message always)', async () => {
      const h = await open();
      try {
        const s = h.store;
        for (let i = 0; i < 4; i++) await s.putMessage(msg('T', 0, Buffer.alloc(100)));
        const size = (await s.getMessage('T', 0, 0, 1)).totalBytes;
        let g = await s.getMessage('T', 0, 0, 32, undefined, size * 2 + 1);
        assert.deepEqual([g.messageCount, g.nextBeginOffset], [2, 2]);
        g = await s.getMessage('T', 0, 0, 32, undefined, 1);
        assert.equal(g.messageCount, 1);
      } finally {
        await h.close();
      }
    });

    test('deleteTopics forgets the queues; IPv6 born hosts are flagged', async () => {
      const h = await open();
      try {
        const s = h.store;
        await s.putMessage(msg('Gone', 0, 'x'));
        await s.deleteTopics(['Gone']);
        assert.equal(s.getMaxOffsetInQueue('Gone', 0), 0);
        assert.equal((await s.getMessage('Gone', 0, 0, 32)).status, 'NO_MESSAGE_IN_QUEUE');
        const r = await s.putMessage(msg('Gone', 0, 'again', {}, { bornHost: encodeHost('[::1]:9') }));
        assert.equal(r.queueOffset, 0);
        const g = await s.getMessage('Gone', 0, 0, 32);
        const m = decodeRecord(g.buffers[0] as Buffer);
        assert.equal(m.bornHost, '[0:0:0:0:0:0:0:1]:9');
        assert.ok((m.sysFlag & SysFlag.BORNHOST_V6) !== 0);
      } finally {
        await h.close();
      }
    });

    test('a reopened store keeps offsets and continues them', async (t) => {
      const h = await open();
      if (h.reopen === undefined) {
        await h.close();
        t.skip('no persistence');
        return;
      }
      try {
        for (let i = 0; i < 3; i++) await h.store.putMessage(msg('T', 0, `m${i}`, { KEYS: `k${i}` }));
        const s = await h.reopen();
        assert.equal(s.getMaxOffsetInQueue('T', 0), 3);
        const r = await s.putMessage(msg('T', 0, 'm3'));
        assert.equal(r.queueOffset, 3);
        const g = await s.getMessage('T', 0, 0, 32);
        assert.deepEqual(decodeRecords(Buffer.concat(g.buffers)).map((m) => m.body.toString()), ['m0', 'm1', 'm2', 'm3']);
        assert.equal((await s.queryMessage('T', 'k1', 32, 0, Number.MAX_SAFE_INTEGER)).buffers.length, 1);
      } finally {
        await h.close();
      }
    });
  });
}
