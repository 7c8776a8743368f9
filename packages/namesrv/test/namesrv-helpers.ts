// Test helpers: a NameServer on an ephemeral port with a hand-driven clock, and a broker's
// registration request.

import { crc32 } from 'node:zlib';
import type { TestContext } from 'node:test';
import { RemotingClient, RequestCode, createRequest, type RemotingCommand } from '@contrail/remoting';
import { NameServer, encodeRegisterBrokerBody, type TopicConfig } from '../src/index.js';

export interface Harness {
  ns: NameServer;
  addr: string;
  client: RemotingClient;
  clock: { now: number };
  call(code: number, ext?: Record<string, string>, body?: Buffer): Promise<RemotingCommand>;
}

export async function startNameServer(t: TestContext): Promise<Harness> {
  const clock = { now: 1_000_000 };
  const ns = new NameServer({ host: '127.0.0.1', port: 0, now: () => clock.now, scanIntervalMs: 60_000 });
  await ns.start();
  const client = new RemotingClient();
  t.after(async () => {
    await client.shutdown();
    await ns.shutdown();
  });
  const addr = `127.0.0.1:${ns.port}`;
  return {
    ns,
    addr,
    client,
    clock,
    call: (code, ext = {}, body) => client.invoke(addr, createRequest(code, ext, body), 3000),
  };
}

export function topic(name: string, queues = 4, perm = 6): TopicConfig {
  return { topicName: name, readQueueNums: queues, writeQueueNums: queues, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

export interface BrokerSpec {
  brokerName: string;
  brokerAddr: string;
  brokerId?: number;
  clusterName?: string;
  topics: TopicConfig[];
  compressed?: boolean;
  counter?: number;
}

export function registerRequest(spec: BrokerSpec): RemotingCommand {
  const compressed = spec.compressed ?? false;
  const body = encodeRegisterBrokerBody(
    {
      topicConfigTable: new Map(spec.topics.map((t) => [t.topicName, t])),
      dataVersion: { timestamp: 1_700_000_000_000, counter: spec.counter ?? 1 },
      filterServerList: [],
    },
    compressed,
  );
  const brokerId = spec.brokerId ?? 0;
  return createRequest(
    RequestCode.REGISTER_BROKER,
    {
      brokerName: spec.brokerName,
      brokerAddr: spec.brokerAddr,
      clusterName: spec.clusterName ?? 'DefaultCluster',
      haServerAddr: spec.brokerAddr.replace(/:\d+$/, ':10912'),
      brokerId: String(brokerId),
      compressed: String(compressed),
      bodyCrc32: String((crc32(body) & 0x7fffffff) >>> 0),
    },
    body,
  );
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
