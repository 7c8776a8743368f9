import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Prop, decodeRecords } from '@contrail/common';
import { RequestCode } from '@contrail/remoting';
import { createTopic, startBroker, type Harness } from './broker-harness.js';

async function waitForMessage(h: Harness, topic: string, queueId: number, offset: number, ms: number): Promise<ReturnType<typeof decodeRecords>> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const r = await h.pull(topic, queueId, offset);
    if (r.code === 0) return decodeRecords(r.body ?? Buffer.alloc(0));
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`no message on ${topic}:${queueId} within ${ms} ms`);
}

test('a DELAY message is delivered to its topic after its level time', async () => {
  const h = await startBroker({ messageDelayLevel: '1s 2s 3s' });
  try {
    await createTopic(h, 'TDELAY', 1);
    const started = Date.now();
    const sent = await h.send('TDELAY', 'later', { DELAY: '1', UNIQ_KEY: 'U1' });
    assert.equal(sent.code, 0, sent.remark);
    assert.equal((await h.pull('TDELAY', 0, 0)).code, 19, 'not visible yet');
    const [m] = await waitForMessage(h, 'TDELAY', 0, 0, 4000);
    assert.ok(Date.now() - started >= 900);
    assert.ok(m);
    assert.equal(m.body.toString(), 'later');
    assert.equal(m.properties[Prop.DELAY], undefined);
    assert.equal(m.properties[Prop.REAL_TOPIC], 'TDELAY');
    assert.equal(m.properties.UNIQ_KEY, 'U1');
    assert.notEqual(m.msgId, sent.extFields.msgId, 'a new record');
    const delay = JSON.parse((await h.call(RequestCode.GET_ALL_DELAY_OFFSET)).body?.toString() ?? '{}') as { offsetTable: Record<string, number> };
    assert.equal(delay.offsetTable['1'], 1);
  } finally {
    await h.close();
  }
});

test('send-back goes to %RETRY% with level 3+reconsumeTimes, then to %DLQ% after max', async () => {
  const h = await startBroker({ messageDelayLevel: '1s 1s 1s 1s 1s' });
  try {
    await createTopic(h, 'TR', 1);
    const sent = await h.send('TR', 'fail me');
    const [orig] = decodeRecords((await h.pull('TR', 0, 0)).body ?? Buffer.alloc(0));
    assert.ok(orig);
    const back = await h.call(RequestCode.CONSUMER_SEND_MSG_BACK, {
      offset: orig.physicalOffset,
      group: 'GR',
      delayLevel: 0,
      originMsgId: orig.msgId,
      originTopic: 'TR',
      unitMode: false,
      maxReconsumeTimes: 1,
    });
    assert.equal(back.code, 0, back.remark);
    const [retry] = await waitForMessage(h, '%RETRY%GR', 0, 0, 4000);
    assert.ok(retry);
    assert.equal(retry.reconsumeTimes, 1);
    assert.equal(retry.properties[Prop.RETRY_TOPIC], 'TR');
    assert.equal(retry.properties[Prop.ORIGIN_MESSAGE_ID], sent.extFields.msgId);
    assert.equal(retry.properties[Prop.REAL_TOPIC], '%RETRY%GR');

    const again = await h.call(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: retry.physicalOffset, group: 'GR', delayLevel: 0, maxReconsumeTimes: 1 });
    assert.equal(again.code, 0, again.remark);
    const [dlq] = await waitForMessage(h, '%DLQ%GR', 0, 0, 1000);
    assert.equal(dlq?.body.toString(), 'fail me');
    assert.equal(dlq?.reconsumeTimes, 2);

    const missing = await h.call(RequestCode.CONSUMER_SEND_MSG_BACK, { offset: 123456789, group: 'GR', delayLevel: 0 });
    assert.equal(missing.code, 1);
    assert.match(missing.remark ?? '', /look message by offset failed/);
  } finally {
    await h.close();
  }
});

test('a %RETRY% send past maxReconsumeTimes goes to the DLQ', async () => {
  const h = await startBroker();
  try {
    const r = await h.send('%RETRY%GQ', 'x', {}, { c: '', j: 3, l: 3 });
    assert.equal(r.code, 0, r.remark);
    const [m] = await waitForMessage(h, '%DLQ%GQ', 0, 0, 1000);
    assert.equal(m?.body.toString(), 'x');
  } finally {
    await h.close();
  }
});
