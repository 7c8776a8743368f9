// Starts a broker on 127.0.0.1 with an ephemeral port in a temp dir, and a raw remoting
// client that talks to it the way ali-ons and the Java client do.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProperties, type Properties } from '@contrail/common';
import { RemotingClient, RequestCode, createRequest, type RemotingCommand } from '@contrail/remoting';
import { MemoryMessageStore } from '@contrail/store';
import { Broker, type BrokerOptions } from '../src/index.js';

export interface Harness {
  broker: Broker;
  client: RemotingClient;
  dir: string;
  addr: string;
  call(code: number, ext?: Record<string, string | number | boolean>, body?: Buffer, timeoutMs?: number): Promise<RemotingCommand>;
  send(topic: string, body: string | Buffer, props?: Properties, ext?: Record<string, string | number | boolean>): Promise<RemotingCommand>;
  pull(topic: string, queueId: number, offset: number, ext?: Record<string, string | number | boolean>, timeoutMs?: number): Promise<RemotingCommand>;
  close(keepDir?: boolean): Promise<void>;
}

export interface HarnessOptions extends BrokerOptions {
  memory?: boolean;
  dir?: string;
}

export async function startBroker(options: HarnessOptions = {}): Promise<Harness> {
  const { memory = true, dir: givenDir, ...brokerOptions } = options;
  const dir = givenDir ?? (await mkdtemp(join(tmpdir(), 'contrail-broker-')));
  const broker = new Broker({
    brokerName: 'broker-a',
    listenPort: 0,
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: dir,
    namesrvAddr: [],
    mappedFileSizeCommitLog: 1024 * 1024,
    ...(memory ? { messageStore: (c) => new MemoryMessageStore(c) } : {}),
    ...brokerOptions,
  });
  await broker.start();
  const client = new RemotingClient();
  const addr = `127.0.0.1:${broker.port}`;
  const call = (code: number, ext: Record<string, string | number | boolean> = {}, body?: Buffer, timeoutMs = 5000): Promise<RemotingCommand> => {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(ext)) fields[k] = String(v);
    return client.invoke(addr, createRequest(code, fields, body), timeoutMs);
  };
  return {
    broker,
    client,
    dir,
    addr,
    call,
    send: (topic, body, props = {}, ext = {}) =>
      call(
        RequestCode.SEND_MESSAGE_V2,
        { a: 'PID_TEST', b: topic, c: 'TBW102', d: 4, e: 0, f: 0, g: Date.now(), h: 0, i: encodeProperties(props), j: 0, k: false, ...ext },
        Buffer.isBuffer(body) ? body : Buffer.from(body),
      ),
    pull: (topic, queueId, offset, ext = {}, timeoutMs = 5000) =>
      call(
        RequestCode.PULL_MESSAGE,
        {
          consumerGroup: 'GID_TEST',
          topic,
          queueId,
          queueOffset: offset,
          maxMsgNums: 32,
          sysFlag: 4,
          commitOffset: 0,
          suspendTimeoutMillis: 1000,
          subscription: '*',
          subVersion: 0,
          ...ext,
        },
        undefined,
        timeoutMs,
      ),
    close: async (keepDir = false) => {
      await client.shutdown();
      await broker.shutdown();
      if (!keepDir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a topic through UPDATE_AND_CREATE_TOPIC. */
export async function createTopic(h: Harness, topic: string, queueNums = 4): Promise<void> {
  const res = await h.call(RequestCode.UPDATE_AND_CREATE_TOPIC, { topic, readQueueNums: queueNums, writeQueueNums: queueNums, perm: 6 });
  if (res.code !== 0) throw new Error(`create topic failed: ${res.code} ${res.remark ?? ''}`);
}
