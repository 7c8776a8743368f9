// Administrative operations over the remoting protocol, for the CLI and the dashboard:
// cluster and route inspection, topic creation and deletion, message lookup by offset ID,
// key or UNIQ_KEY. Each call talks to the NameServers and then straight to the brokers.
import {
  ContrailError,
  Perm,
  Prop,
  SystemTopic,
  decodeOffsetMsgId,
  uniqIdTimestamp,
  validateName,
} from '@contrail/common';
import {
  NamesrvClient,
  anyAddr,
  decodeMessages,
  masterAddr,
  parseNamesrvAddr,
  type MessageExt,
  type TopicRouteData,
} from '@contrail/client';
import { RemotingClient, RequestCode, ResponseCode, createRequest, type RemotingCommand, type Transport } from '@contrail/remoting';
import { parseClusterInfo, type ClusterInfo } from './cluster-info.js';

export interface AdminClientOptions {
  namesrvAddr: string | readonly string[];
  /** Default 5 s. */
  requestTimeoutMs?: number;
  /** Replaces TCP (tests). */
  connect?: (addr: string, timeoutMs: number) => Promise<Transport>;
}

export interface CreateTopicOptions {
  topic: string;
  /** Default 8, as mqadmin's. */
  readQueueNums?: number;
  writeQueueNums?: number;
  /** Default 6 (read + write). */
  perm?: number;
  /** Ordered topic: its queue layout is also published as orderTopicConf through the NameServers. */
  order?: boolean;
  /** Create on these brokers' masters ... */
  brokerNames?: readonly string[];
  /** ... or on every master of this cluster. Neither: every master of every cluster. */
  clusterName?: string;
}

export interface CreateTopicResult {
  /** The broker masters that now have the topic. */
  brokerAddrs: string[];
}

/** Java's Long.MAX_VALUE: "no upper bound" for store timestamps. */
const LONG_MAX = '9223372036854775807';

const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';

export class AdminClient {
  readonly #remoting: RemotingClient;
  readonly #namesrv: NamesrvClient;
  readonly #timeoutMs: number;
  #closed = false;

  constructor(options: AdminClientOptions) {
    this.#timeoutMs = options.requestTimeoutMs ?? 5000;
    this.#remoting = new RemotingClient(options.connect === undefined ? {} : { connect: options.connect });
    this.#namesrv = new NamesrvClient(this.#remoting, parseNamesrvAddr(options.namesrvAddr), this.#timeoutMs);
  }

  async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#remoting.shutdown();
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const res = await this.#namesrvOk(() => createRequest(RequestCode.GET_BROKER_CLUSTER_INFO));
    return parseClusterInfo(res.body);
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    return this.#namesrv.topicRoute(topic);
  }

  /** Every topic any NameServer knows (the one that answers). */
  async topicList(): Promise<string[]> {
    const res = await this.#namesrvOk(() => createRequest(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER));
    const body = JSON.parse(res.body?.toString('utf8') ?? '{}') as { topicList?: unknown };
    return Array.isArray(body.topicList) ? body.topicList.filter((t): t is string => typeof t === 'string').sort() : [];
  }

  /** UPDATE_AND_CREATE_TOPIC on each target master (also updates an existing topic). */
  async createTopic(o: CreateTopicOptions): Promise<CreateTopicResult> {
    const bad = validateName(o.topic, 'topic');
    if (bad !== null) throw new ContrailError('CONFIG_INVALID', bad);
    const read = o.readQueueNums ?? 8;
    const write = o.writeQueueNums ?? 8;
    if (!(read > 0 && write > 0)) throw new ContrailError('CONFIG_INVALID', 'queue counts must be positive');
    const targets = await this.#targetMasters(o.brokerNames, o.clusterName);
    const ext = {
      topic: o.topic,
      defaultTopic: SystemTopic.AUTO_CREATE,
      readQueueNums: String(read),
      writeQueueNums: String(write),
      perm: String(o.perm ?? Perm.READ | Perm.WRITE),
      topicFilterType: 'SINGLE_TAG',
      topicSysFlag: '0',
      order: String(o.order === true),
    };
    for (const { addr } of targets) await this.#brokerOk(addr, createRequest(RequestCode.UPDATE_AND_CREATE_TOPIC, { ...ext }));
    if (o.order === true) {
      const conf = targets.map((t) => `${t.brokerName}:${write}`).join(';');
      await this.#everyNamesrv(() =>
        createRequest(RequestCode.PUT_KV_CONFIG, { namespace: NAMESPACE_ORDER_TOPIC_CONFIG, key: o.topic, value: conf }),
      );
    }
    return { brokerAddrs: targets.map((t) => t.addr) };
  }

  /** DELETE_TOPIC_IN_BROKER on the masters that host it, then DELETE_TOPIC_IN_NAMESRV everywhere. */
  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    const targets = await this.#targetMasters(undefined, clusterName);
    for (const { addr } of targets) await this.#brokerOk(addr, createRequest(RequestCode.DELETE_TOPIC_IN_BROKER, { topic }));
    await this.#everyNamesrv(() => createRequest(RequestCode.DELETE_TOPIC_IN_NAMESRV, { topic }));
  }

  /** The message stored under an offset message ID (the broker address is read from the ID). */
  async viewMessage(offsetMsgId: string): Promise<MessageExt> {
    let decoded;
    try {
      decoded = decodeOffsetMsgId(offsetMsgId);
    } catch (err) {
      throw new ContrailError('INVALID_PARAMETER', `not an offset message id: ${offsetMsgId}`, { cause: err });
    }
    const res = await this.#brokerOk(decoded.address, createRequest(RequestCode.VIEW_MESSAGE_BY_ID, { offset: String(decoded.physicalOffset) }));
    const brokerName = await this.#brokerNameOf(decoded.address);
    const msg = decodeMessages(res.body, brokerName)[0];
    if (msg === undefined) throw new ContrailError('QUERY_NOT_FOUND', `no message at ${offsetMsgId}`);
    return msg;
  }

  /** Messages of `topic` with `key` among their KEYS, stored within [begin, end], from every broker. */
  async queryMessageByKey(topic: string, key: string, maxNum = 32, begin = 0, end = Date.now()): Promise<MessageExt[]> {
    const found = await this.#query(topic, key, { maxNum: String(maxNum), beginTimestamp: String(begin), endTimestamp: String(end) });
    return found.filter((m) => m.topic === topic && m.keys.includes(key)).slice(0, maxNum);
  }

  /** Messages of `topic` whose UNIQ_KEY (the producer's msgId) is `uniqKey`: retries and delays add copies. */
  async queryMessageByUniqKey(topic: string, uniqKey: string): Promise<MessageExt[]> {
    let begin: number;
    try {
      begin = uniqIdTimestamp(uniqKey) - 1000;
    } catch (err) {
      throw new ContrailError('INVALID_PARAMETER', `not a UNIQ_KEY: ${uniqKey}`, { cause: err });
    }
    const found = await this.#query(topic, uniqKey, {
      maxNum: '32',
      beginTimestamp: String(Math.max(0, begin)),
      endTimestamp: LONG_MAX,
      _UNIQUE_KEY_QUERY: 'true',
    });
    return found.filter((m) => m.topic === topic && m.properties[Prop.UNIQ_KEY] === uniqKey);
  }

  /** One request to a broker; a response other than SUCCESS is thrown as a ContrailError. */
  brokerRequest(addr: string, code: number, ext: Record<string, string> = {}): Promise<RemotingCommand> {
    return this.#brokerOk(addr, createRequest(code, { ...ext }));
  }

  async #query(topic: string, key: string, ext: Record<string, string>): Promise<MessageExt[]> {
    const route = await this.#namesrv.topicRoute(topic);
    const lists = await Promise.all(
      route.brokerDatas.map(async (bd) => {
        const addr = anyAddr(bd);
        if (addr === undefined) return [];
        const res = await this.#remoting.invoke(addr, createRequest(RequestCode.QUERY_MESSAGE, { topic, key, ...ext }), this.#timeoutMs * 3);
        if (res.code === ResponseCode.QUERY_NOT_FOUND) return [];
        if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
        return decodeMessages(res.body, bd.brokerName);
      }),
    );
    const seen = new Set<string>();
    const out: MessageExt[] = [];
    for (const m of lists.flat()) {
      if (seen.has(m.offsetMsgId)) continue;
      seen.add(m.offsetMsgId);
      out.push(m);
    }
    return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  }

  async #targetMasters(brokerNames: readonly string[] | undefined, clusterName: string | undefined): Promise<{ brokerName: string; addr: string }[]> {
    const info = await this.clusterInfo();
    let names: string[];
    if (brokerNames !== undefined && brokerNames.length > 0) {
      names = [...brokerNames];
    } else if (clusterName !== undefined) {
      const inCluster = info.clusterAddrTable[clusterName];
      if (inCluster === undefined) throw new ContrailError('CONFIG_INVALID', `no cluster named ${clusterName}`);
      names = [...inCluster];
    } else {
      names = Object.keys(info.brokerAddrTable);
    }
    const out: { brokerName: string; addr: string }[] = [];
    for (const brokerName of names.sort()) {
      const addr = masterAddr(info.brokerAddrTable[brokerName]);
      if (addr === undefined) throw new ContrailError('ROUTE_NOT_FOUND', `broker ${brokerName} has no live master`);
      out.push({ brokerName, addr });
    }
    if (out.length === 0) throw new ContrailError('ROUTE_NOT_FOUND', 'no broker master is registered');
    return out;
  }

  async #brokerNameOf(addr: string): Promise<string> {
    try {
      const info = await this.clusterInfo();
      for (const bd of Object.values(info.brokerAddrTable)) {
        if (Object.values(bd.brokerAddrs).includes(addr)) return bd.brokerName;
      }
    } catch {
      // The name is a nicety; the message itself came back already.
    }
    return '';
  }

  async #brokerOk(addr: string, cmd: RemotingCommand): Promise<RemotingCommand> {
    const res = await this.#remoting.invoke(addr, cmd, this.#timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
    return res;
  }

  async #namesrvOk(make: () => RemotingCommand): Promise<RemotingCommand> {
    const res = await this.#namesrv.invoke(make);
    if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
    return res;
  }

  /** NameServers do not share state, so configuration goes to each of them. */
  async #everyNamesrv(make: () => RemotingCommand): Promise<void> {
    for (const addr of this.#namesrv.addrs) await this.#brokerOk(addr, make());
  }
}
