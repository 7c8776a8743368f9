import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContrailError, type Logger } from '@contrail/common';
import { DefaultMessageStore, MemoryMessageStore, type MessageStoreConfig } from '@contrail/store';
import { loadBrokerConfig, parseDelayLevels } from '../src/index.js';
import { startBroker } from './broker-harness.js';

function captureLogger(): { logger: Logger; warnings: string[] } {
  const warnings: string[] = [];
  const logger = { warn: (_obj: unknown, msg: string) => warnings.push(msg) } as unknown as Logger;
  return { logger, warnings };
}

const dirs: string[] = [];
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function conf(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'contrail-conf-'));
  dirs.push(dir);
  const path = join(dir, 'broker.conf');
  await writeFile(path, text);
  return path;
}

test('loads a RocketMQ broker.conf', async () => {
  const path = await conf(`# a real-looking broker.conf
brokerClusterName = MyCluster
brokerName=broker-b
brokerId=0
namesrvAddr=10.0.0.1:9876;10.0.0.2:9876
listenPort=10921
brokerIP1=10.0.0.5
storePathRootDir=/data/rmq
flushDiskType=SYNC_FLUSH
brokerRole=ASYNC_MASTER
autoCreateTopicEnable=false
defaultTopicQueueNums=4
deleteWhen=04
fileReservedTime=48
storePathCommitLog=/data/rmq/commitlog
enabledAppendPropCRC=true
flushIntervalCommitLog=200
flushIntervalConsumeQueue=2000
`);
  const { logger, warnings } = captureLogger();
  const c = loadBrokerConfig(path, {}, { logger });
  assert.equal(c.brokerClusterName, 'MyCluster');
  assert.equal(c.brokerName, 'broker-b');
  assert.deepEqual(c.namesrvAddr, ['10.0.0.1:9876', '10.0.0.2:9876']);
  assert.equal(c.listenPort, 10921);
  assert.equal(c.brokerIP1, '10.0.0.5');
  assert.equal(c.bindAddress, '0.0.0.0');
  assert.equal(c.flushDiskType, 'SYNC_FLUSH');
  assert.equal(c.autoCreateTopicEnable, false);
  assert.equal(c.defaultTopicQueueNums, 4);
  assert.equal(c.fileReservedTime, 48);
  assert.equal(c.maxMessageSize, 4 * 1024 * 1024);
  assert.equal(c.enabledAppendPropCRC, true);
  assert.equal(c.flushIntervalCommitLog, 200);
  assert.equal(c.flushIntervalConsumeQueue, 2000);
  assert.equal(c.zeroAheadBytes, undefined, 'unset: the store picks it by flushDiskType');
  assert.deepEqual(warnings, [], 'known RocketMQ keys load silently');
  assert.equal(loadBrokerConfig(await conf('zeroAheadBytes=0\n'), {}, { logger }).zeroAheadBytes, 0);
  assert.equal(c.mappedWrites, true, 'mapped writes on by default');
  assert.equal(loadBrokerConfig(await conf('mappedWrites=false\n'), {}, { logger }).mappedWrites, false);
});

test('overrides win over the file', async () => {
  const path = await conf('listenPort=10921\nbrokerName=a\n');
  const c = loadBrokerConfig(path, { listenPort: '0', brokerName: 'b', host: '127.0.0.1' }, { logger: captureLogger().logger });
  assert.equal(c.listenPort, 0);
  assert.equal(c.brokerName, 'b');
  assert.equal(c.bindAddress, '127.0.0.1');
});

test('an unknown key is logged, not fatal', async () => {
  const path = await conf('brokerName=a\nnoSuchKey=1\n');
  const { logger, warnings } = captureLogger();
  const c = loadBrokerConfig(path, {}, { logger });
  assert.equal(c.brokerName, 'a');
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? '', /noSuchKey.*unknown key/);
});

test('bad values fail with CONFIG_INVALID naming the key', async () => {
  const cases: [string, RegExp][] = [
    ['listenPort=70000', /^broker\.conf: listenPort must be between 0 and 65535/],
    ['listenPort=abc', /^broker\.conf: listenPort must be an integer/],
    ['flushDiskType=SOMETIMES', /flushDiskType must be one of ASYNC_FLUSH, SYNC_FLUSH/],
    ['brokerIP1=::1', /brokerIP1 must be an IPv4 address/],
    ['autoCreateTopicEnable=yes', /autoCreateTopicEnable must be true or false/],
    ['messageDelayLevel=1s 5x', /messageDelayLevel has a bad delay "5x"/],
    ['namesrvAddr=localhost', /namesrvAddr must be host:port/],
    ['metricsExporterType=OTLP_GRPC', /metricsExporterType must be one of DISABLE, PROM/],
    ['metricsPromExporterPort=-2', /metricsPromExporterPort must be between 0 and 65535/],
    ['metricsLabel=region', /metricsLabel must be key:value pairs/],
    ['metricsLabel=bad-name:x', /metricsLabel must be key:value pairs/],
    ['zeroAheadBytes=-1', /zeroAheadBytes must be/],
    ['mappedWrites=sometimes', /mappedWrites must be true or false/],
    ['flushIntervalCommitLog=0', /flushIntervalCommitLog must be between 1 and/],
    ['flushIntervalConsumeQueue=soon', /flushIntervalConsumeQueue must be an integer/],
  ];
  for (const [line, re] of cases) {
    const path = await conf(`${line}\n`);
    assert.throws(
      () => loadBrokerConfig(path, {}, { logger: captureLogger().logger }),
      (err: unknown) => err instanceof ContrailError && err.code === 'CONFIG_INVALID' && re.test(err.message),
      line,
    );
  }
  assert.throws(() => loadBrokerConfig('/nonexistent/broker.conf'), /cannot read broker config/);
});

test('delay levels parse into milliseconds', () => {
  assert.deepEqual(parseDelayLevels('1s 5s 1m 2h 1d'), [1000, 5000, 60_000, 7_200_000, 86_400_000]);
});

test('the flush intervals reach the store, and the store refuses intervals under 1 ms', async () => {
  let seen: MessageStoreConfig | undefined;
  const h = await startBroker({
    flushIntervalCommitLog: 250,
    flushIntervalConsumeQueue: 3000,
    messageStore: (c) => {
      seen = c;
      return new MemoryMessageStore(c);
    },
  });
  await h.close();
  assert.equal(seen?.flushIntervalCommitLog, 250);
  assert.equal(seen?.flushIntervalConsumeQueue, 3000);
  for (const key of ['flushIntervalCommitLog', 'flushIntervalConsumeQueue'] as const) {
    assert.throws(() => new DefaultMessageStore({ storePathRootDir: '/nonexistent', storeHost: '127.0.0.1:10911', [key]: 0 }), (err: unknown) => {
      return err instanceof ContrailError && err.code === 'CONFIG_INVALID' && err.message.includes(`${key} must be at least 1 ms`);
    });
  }
});
