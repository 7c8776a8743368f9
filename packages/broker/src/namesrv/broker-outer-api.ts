// Talking to the NameServers (REGISTER_BROKER with the topic table, UNREGISTER_BROKER, a
// topic's route) and to other brokers (GET_BROKER_CONFIG, RECALL_MESSAGE).
import { ContrailError, bodyCrc, createLogger, errorCodeOfRemoting, javaPropertiesRecord, parseTopicRouteData, type Logger, type TopicRouteData } from '@contrail/common';
import { RequestCode, ResponseCode, createRequest, type RemotingClient } from '@contrail/remoting';
import type { TopicConfigSerializeWrapper } from '../topic/topic-config-manager.js';

export interface BrokerIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  /** "ip:port" clients use. */
  brokerAddr: string;
  haServerAddr: string;
}

export class BrokerOuterApi {
  readonly #client: RemotingClient;
  readonly #log: Logger;

  constructor(client: RemotingClient, logger: Logger = createLogger('broker-outer-api')) {
    this.#client = client;
    this.#log = logger;
  }

  /** Registers with every NameServer at once; resolves with the addresses that accepted. */
  async registerBrokerAll(namesrvAddrs: readonly string[], id: BrokerIdentity, wrapper: TopicConfigSerializeWrapper, timeoutMs: number): Promise<string[]> {
    const body = Buffer.from(JSON.stringify({ topicConfigSerializeWrapper: wrapper, filterServerList: [] }), 'utf8');
    const ext = {
      brokerName: id.brokerName,
      brokerAddr: id.brokerAddr,
      clusterName: id.clusterName,
      haServerAddr: id.haServerAddr,
      brokerId: String(id.brokerId),
      compressed: 'false',
      bodyCrc32: String(bodyCrc(body)),
    };
    const results = await Promise.allSettled(
      namesrvAddrs.map(async (addr) => {
        const res = await this.#client.invoke(addr, createRequest(RequestCode.REGISTER_BROKER, { ...ext }, body), timeoutMs);
        if (res.code !== ResponseCode.SUCCESS) throw new Error(`code ${res.code}: ${res.remark ?? ''}`);
        return addr;
      }),
    );
    const ok: string[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') ok.push(r.value);
      else this.#log.warn({ err: r.reason as unknown, namesrv: namesrvAddrs[i] }, 'register broker failed');
    });
    return ok;
  }

  async unregisterBrokerAll(namesrvAddrs: readonly string[], id: BrokerIdentity, timeoutMs: number): Promise<void> {
    const ext = { brokerName: id.brokerName, brokerAddr: id.brokerAddr, clusterName: id.clusterName, brokerId: String(id.brokerId) };
    const results = await Promise.allSettled(
      namesrvAddrs.map((addr) => this.#client.invoke(addr, createRequest(RequestCode.UNREGISTER_BROKER, { ...ext }), timeoutMs)),
    );
    results.forEach((r, i) => {
      if (r.status === 'rejected') this.#log.warn({ err: r.reason as unknown, namesrv: namesrvAddrs[i] }, 'unregister broker failed');
    });
  }

  /**
   * The topic's route from the first NameServer that answers with one (all are asked at once,
   * so one that is down costs no time); undefined when none knows the topic or none answers.
   */
  async topicRoute(namesrvAddrs: readonly string[], topic: string, timeoutMs: number): Promise<TopicRouteData | undefined> {
    if (namesrvAddrs.length === 0) return undefined;
    const ask = async (addr: string): Promise<TopicRouteData> => {
      const res = await this.#client.invoke(addr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }), timeoutMs);
      if (res.code !== ResponseCode.SUCCESS || res.body === undefined) throw new Error(`code ${res.code}`);
      return parseTopicRouteData(res.body);
    };
    try {
      return await Promise.any(namesrvAddrs.map(ask));
    } catch (err) {
      this.#log.debug({ err, topic }, 'no NameServer answered with a route');
      return undefined;
    }
  }

  /** Another broker's settings (GET_BROKER_CONFIG): its `key=value` lines as a map. */
  async brokerConfig(brokerAddr: string, timeoutMs: number): Promise<Record<string, string>> {
    const res = await this.#client.invoke(brokerAddr, createRequest(RequestCode.GET_BROKER_CONFIG), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) throw new Error(`GET_BROKER_CONFIG from ${brokerAddr}: code ${res.code}: ${res.remark ?? ''}`);
    return javaPropertiesRecord(res.body?.toString('utf8') ?? '');
  }

  /** Another broker recalls a timer message it holds; its answer's error travels as a ContrailError. */
  async recallMessage(brokerAddr: string, topic: string, recallHandle: string, timeoutMs: number): Promise<string> {
    const res = await this.#client.invoke(brokerAddr, createRequest(RequestCode.RECALL_MESSAGE, { topic, recallHandle, producerGroup: '' }), timeoutMs);
    if (res.code !== ResponseCode.SUCCESS) throw new ContrailError(errorCodeOfRemoting(res.code), res.remark ?? `RECALL_MESSAGE answered ${res.code}`);
    return res.extFields.msgId ?? '';
  }
}
