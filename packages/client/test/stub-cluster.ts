// A fake NameServer and fake brokers for component tests: real remoting servers (fed over
// in-memory transports, so no sockets) with just enough broker behaviour to send to, pull
// from and commit offsets on, and knobs to make a broker fail.
import {
  ContrailError,
  Prop,
  createOffsetMsgId,
  decodeBatchBodyRaw,
  decodeProperties,
  encodeHost,
  encodeProperties,
  encodeRecord,
  tagsCode,
} from '@contrail/common';
import {
  RemotingServer,
  RequestCode,
  ResponseCode,
  createMemoryTransportPair,
  createRequest,
  createResponse,
  type RemotingCommand,
  type RemotingConnection,
  type Transport,
} from '@contrail/remoting';

export interface StoredEntry {
  record: Buffer;
  tagsCode: number;
  storeTimestamp: number;
  keys: string[];
  uniqKey: string | undefined;
  topic: string;
}

export class StubBroker {
  readonly server = new RemotingServer();
  readonly queues = new Map<string, StoredEntry[]>();
  readonly offsets = new Map<string, number>();
  readonly consumers = new Map<string, Set<string>>();
  readonly requests: RemotingCommand[] = [];
  readonly connections = new Set<RemotingConnection>();
  /** Response codes to answer the next SEND requests with, one per request. */
  failSends: number[] = [];
  /** Sends are not answered at all while true (the client times out). */
  silent = false;
  physical = 0;

  constructor(
    readonly brokerName: string,
    readonly addr: string,
    readonly queueNums = 4,
  ) {
    const s = this.server;
    s.onConnection((c) => this.connections.add(c));
    const record = (code: number, fn: (r: RemotingCommand, c: RemotingConnection) => ReturnType<typeof createResponse> | null) =>
      s.registerProcessor(code, (r, ctx) => {
        this.requests.push(r);
        return fn(r, ctx.connection);
      });
    record(RequestCode.SEND_MESSAGE_V2, (r) => this.#send(r, false));
    record(RequestCode.SEND_BATCH_MESSAGE, (r) => this.#send(r, true));
    record(RequestCode.PULL_MESSAGE, (r) => this.#pull(r));
    record(RequestCode.HEART_BEAT, (r, c) => this.#heartbeat(r, c));
    record(RequestCode.UNREGISTER_CLIENT, (r) => {
      const { clientID, consumerGroup } = r.extFields;
      if (consumerGroup !== undefined && clientID !== undefined) this.removeConsumer(consumerGroup, clientID);
      return createResponse(r, 0);
    });
    record(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (r) => {
      const ids = [...(this.consumers.get(r.extFields.consumerGroup ?? '') ?? [])];
      if (ids.length === 0) return createResponse(r, 1, {}, undefined, 'no consumer');
      return createResponse(r, 0, {}, Buffer.from(JSON.stringify({ consumerIdList: ids })));
    });
    record(RequestCode.QUERY_CONSUMER_OFFSET, (r) => {
      const v = this.offsets.get(offsetKey(r.extFields));
      return v === undefined ? createResponse(r, 22, {}, undefined, 'Not found') : createResponse(r, 0, { offset: String(v) });
    });
    record(RequestCode.UPDATE_CONSUMER_OFFSET, (r) => {
      const off = Number(r.extFields.commitOffset);
      if (off >= 0) this.offsets.set(offsetKey(r.extFields), off);
      return createResponse(r, 0);
    });
    record(RequestCode.GET_MAX_OFFSET, (r) => createResponse(r, 0, { offset: String(this.queue(r.extFields.topic, r.extFields.queueId).length) }));
    record(RequestCode.GET_MIN_OFFSET, (r) => createResponse(r, 0, { offset: '0' }));
    record(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (r) => {
      const q = this.queue(r.extFields.topic, r.extFields.queueId);
      const ts = Number(r.extFields.timestamp);
      const i = q.findIndex((e) => e.storeTimestamp >= ts);
      return createResponse(r, 0, { offset: String(i < 0 ? q.length : i) });
    });
    record(RequestCode.VIEW_MESSAGE_BY_ID, (r) => {
      const off = Number(r.extFields.offset);
      for (const q of this.queues.values()) {
        for (const e of q) if (e.record.readBigInt64BE(28) === BigInt(off)) return createResponse(r, 0, {}, e.record);
      }
      return createResponse(r, 1, {}, undefined, `can not find message by the offset, ${off}`);
    });
    record(RequestCode.QUERY_MESSAGE, (r) => {
      const { topic, key } = r.extFields;
      const uniq = r.extFields._UNIQUE_KEY_QUERY === 'true';
      const hits: Buffer[] = [];
      for (const q of this.queues.values()) {
        for (const e of q) {
          if (e.topic !== topic) continue;
          if (uniq ? e.uniqKey === key : e.keys.includes(key ?? '')) hits.push(e.record);
        }
      }
      if (hits.length === 0) return createResponse(r, 22, {}, undefined, 'can not find message');
      return createResponse(r, 0, { indexLastUpdateTimestamp: '0', indexLastUpdatePhyoffset: '0' }, Buffer.concat(hits));
    });
    record(RequestCode.UPDATE_AND_CREATE_TOPIC, (r) => createResponse(r, 0));
  }

  queue(topic: string | undefined, queueId: string | number | undefined): StoredEntry[] {
    const k = `${topic}:${queueId}`;
    let q = this.queues.get(k);
    if (q === undefined) {
      q = [];
      this.queues.set(k, q);
    }
    return q;
  }

  /** Stores a message directly (as if some other producer had sent it). */
  store(topic: string, queueId: number, body: string | Buffer, properties: Record<string, string> = {}, sysFlag = 0): StoredEntry {
    const q = this.queue(topic, queueId);
    const now = Date.now();
    const props = Buffer.from(encodeProperties(properties));
    const record = encodeRecord({
      queueId,
      flag: 0,
      queueOffset: q.length,
      physicalOffset: this.physical,
      sysFlag,
      bornTimestamp: now,
      bornHost: encodeHost('127.0.0.9:5555'),
      storeTimestamp: now,
      storeHost: encodeHost(this.addr),
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: typeof body === 'string' ? Buffer.from(body) : body,
      topic: Buffer.from(topic),
      properties: props,
    });
    this.physical += record.length;
    const entry: StoredEntry = {
      record,
      tagsCode: tagsCode(properties[Prop.TAGS]),
      storeTimestamp: now,
      keys: (properties[Prop.KEYS] ?? '').split(' ').filter((k) => k),
      uniqKey: properties[Prop.UNIQ_KEY],
      topic,
    };
    q.push(entry);
    return entry;
  }

  #send(r: RemotingCommand, batch: boolean): ReturnType<typeof createResponse> | null {
    if (this.silent) return null;
    const fail = this.failSends.shift();
    if (fail !== undefined) return createResponse(r, fail, {}, undefined, `injected failure ${fail}`);
    const h = r.extFields;
    const topic = h.b ?? '';
    const queueId = Number(h.e);
    const sysFlag = Number(h.f);
    const items = batch
      ? decodeBatchBodyRaw(r.body ?? Buffer.alloc(0)).map((i) => ({ body: i.body, props: decodeProperties(i.properties) }))
      : [{ body: r.body ?? Buffer.alloc(0), props: decodeProperties(h.i ?? '') }];
    const first = this.queue(topic, queueId).length;
    const ids = items.map((i) => {
      const physical = this.physical;
      this.store(topic, queueId, i.body, i.props, batch ? 0 : sysFlag);
      return createOffsetMsgId(encodeHost(this.addr), physical);
    });
    return createResponse(r, 0, { msgId: ids.join(','), queueId: String(queueId), queueOffset: String(first), MSG_REGION: 'DefaultRegion' });
  }

  #pull(r: RemotingCommand): ReturnType<typeof createResponse> {
    const h = r.extFields;
    if (Number(h.commitOffset) >= 0 && (Number(h.sysFlag) & 1) !== 0) this.offsets.set(offsetKey(h), Number(h.commitOffset));
    const q = this.queue(h.topic, h.queueId);
    const from = Number(h.queueOffset);
    const max = Number(h.maxMsgNums);
    const base = { suggestWhichBrokerId: '0', minOffset: '0', maxOffset: String(q.length) };
    if (from > q.length || from < 0) return createResponse(r, 21, { ...base, nextBeginOffset: String(q.length) }, undefined, 'OFFSET_OVERFLOW_BADLY');
    if (from === q.length) return createResponse(r, 19, { ...base, nextBeginOffset: String(from) }, undefined, 'NO_NEW_MSG');
    const codes = (h.subscription ?? '*') === '*' ? undefined : h.subscription?.split('||').map((t) => tagsCode(t.trim()));
    const out: Buffer[] = [];
    let i = from;
    for (; i < q.length && out.length < max; i++) {
      const e = q[i] as StoredEntry;
      if (codes === undefined || codes.includes(e.tagsCode)) out.push(e.record);
    }
    if (out.length === 0) return createResponse(r, 20, { ...base, nextBeginOffset: String(i) }, undefined, 'NO_MATCHED_MSG');
    return createResponse(r, 0, { ...base, nextBeginOffset: String(i) }, Buffer.concat(out), 'FOUND');
  }

  readonly channels = new Map<string, RemotingConnection>();

  #heartbeat(r: RemotingCommand, c: RemotingConnection): ReturnType<typeof createResponse> {
    const body = JSON.parse((r.body ?? Buffer.from('{}')).toString()) as {
      clientID: string;
      consumerDataSet: { groupName: string }[];
    };
    for (const cd of body.consumerDataSet) {
      let set = this.consumers.get(cd.groupName);
      if (set === undefined) {
        set = new Set();
        this.consumers.set(cd.groupName, set);
      }
      const fresh = !set.has(body.clientID);
      set.add(body.clientID);
      this.channels.set(body.clientID, c);
      if (fresh) this.notify(cd.groupName);
    }
    return createResponse(r, 0);
  }

  /** NOTIFY_CONSUMER_IDS_CHANGED (oneway) to every member of `group`. */
  notify(group: string): void {
    for (const id of this.consumers.get(group) ?? []) {
      this.channels.get(id)?.oneway(createRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, { consumerGroup: group }));
    }
  }

  /** Forgets a member (as after UNREGISTER_CLIENT or a closed channel) and tells the others. */
  removeConsumer(group: string, clientId: string): void {
    this.consumers.get(group)?.delete(clientId);
    this.channels.delete(clientId);
    this.notify(group);
  }

  count(code: number): number {
    return this.requests.filter((r) => r.code === code).length;
  }
}

function offsetKey(h: Record<string, string>): string {
  return `${h.consumerGroup}|${h.topic}|${h.queueId}`;
}

export class StubNamesrv {
  readonly server = new RemotingServer();
  readonly routes = new Map<string, string>();
  requests = 0;

  constructor(readonly addr: string) {
    this.server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (r) => {
      this.requests++;
      const body = this.routes.get(r.extFields.topic ?? '');
      if (body === undefined) {
        return createResponse(r, ResponseCode.TOPIC_NOT_EXIST, {}, undefined, `No topic route info in name server for the topic: ${r.extFields.topic}`);
      }
      return createResponse(r, 0, {}, Buffer.from(body));
    });
  }

  /** Serves a route for `topic` over `brokers`; `fastjson` writes unquoted numeric keys. */
  setRoute(topic: string, brokers: readonly StubBroker[], fastjson = false, perm = 6): void {
    const route = {
      brokerDatas: brokers.map((b) => ({ brokerAddrs: { 0: b.addr }, brokerName: b.brokerName, cluster: 'DefaultCluster' })),
      filterServerTable: {},
      queueDatas: brokers.map((b) => ({ brokerName: b.brokerName, perm, readQueueNums: b.queueNums, topicSysFlag: 0, writeQueueNums: b.queueNums })),
    };
    let text = JSON.stringify(route);
    if (fastjson) text = text.replace(/"brokerAddrs":\{"0":/g, '"brokerAddrs":{0:');
    this.routes.set(topic, text);
  }
}

/** The cluster's servers by address, and a connect function that reaches them in memory. */
export class StubCluster {
  readonly namesrv = new StubNamesrv('127.0.0.1:9876');
  readonly brokers: StubBroker[];
  readonly servers = new Map<string, RemotingServer>();
  readonly down = new Set<string>();

  constructor(brokerCount = 2, queueNums = 4) {
    this.brokers = [];
    for (let i = 0; i < brokerCount; i++) {
      this.brokers.push(new StubBroker(`broker-${String.fromCharCode(97 + i)}`, `127.0.0.${i + 1}:10911`, queueNums));
    }
    this.servers.set(this.namesrv.addr, this.namesrv.server);
    for (const b of this.brokers) this.servers.set(b.addr, b.server);
  }

  readonly connect = (addr: string): Promise<Transport> => {
    const server = this.servers.get(addr);
    if (server === undefined || this.down.has(addr)) {
      return Promise.reject(new ContrailError('CONNECT_FAILED', `connect to ${addr} failed: refused`));
    }
    const [client, serverSide] = createMemoryTransportPair();
    server.accept(serverSide);
    return Promise.resolve(client);
  };

  broker(name: string): StubBroker {
    const b = this.brokers.find((x) => x.brokerName === name);
    if (b === undefined) throw new Error(`no broker ${name}`);
    return b;
  }

  async shutdown(): Promise<void> {
    for (const b of this.brokers) for (const c of b.connections) c.destroy();
  }
}
