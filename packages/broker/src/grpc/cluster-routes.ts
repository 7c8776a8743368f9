// Where a topic's queues are on the other brokers of the cluster, as gRPC broker endpoints, so
// that a client whose access point is this broker also sends to and receives from the rest
// (RocketMQ's proxy does the same from the NameServer's route). The route comes from the
// NameServers; each broker's gRPC port comes from the broker itself (GET_BROKER_CONFIG) and is
// kept for a while; answers past their time are served while a refresh runs behind them. A
// broker that does not answer, or has its gRPC door off, is left out. The same route finds the
// broker a recall handle names.
import type { Logger, TopicRouteData } from '@contrail/common';
import type { BrokerOuterApi } from '../namesrv/broker-outer-api.js';
import type { PbEndpoints } from './proto-types.js';

/** One broker's share of a topic, and where its gRPC door is. */
export interface BrokerQueues {
  brokerName: string;
  endpoints: PbEndpoints;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
}

export interface ClusterRoutesOptions {
  /** This broker: its own queues come from its topic table, not from here. */
  brokerName: string;
  namesrvAddrs: readonly string[];
  outer: BrokerOuterApi;
  /** Budget of one NameServer or broker query. */
  timeoutMs: number;
  log: Logger;
}

/** A topic's route is asked again after this long (clients re-query theirs every 30 s). */
const ROUTE_TTL_MS = 3000;
/** A broker's gRPC port is asked again after this long. */
const PORT_TTL_MS = 30_000;
/** A broker that did not answer is asked again after this long. */
const UNREACHABLE_TTL_MS = 5000;

interface Cached<T> {
  until: number;
  value: Promise<T>;
}

export class ClusterRoutes {
  readonly #o: ClusterRoutesOptions;
  readonly #routes = new Map<string, Cached<TopicRouteData | undefined>>();
  /** Broker address → its gRPC port, -1 when it has no gRPC door or did not answer. */
  readonly #ports = new Map<string, Cached<number>>();

  constructor(options: ClusterRoutesOptions) {
    this.#o = options;
  }

  /** The topic's queues on the other brokers that have a gRPC door, sorted by broker name. */
  async peers(topic: string): Promise<BrokerQueues[]> {
    const route = await this.#route(topic);
    if (route === undefined) return [];
    const found = await Promise.all(
      route.queueDatas.map(async (qd): Promise<BrokerQueues | undefined> => {
        if (qd.brokerName === this.#o.brokerName) return undefined;
        const addr = route.brokerDatas.find((b) => b.brokerName === qd.brokerName)?.brokerAddrs['0'];
        if (addr === undefined) return undefined;
        const port = await this.#grpcPort(addr);
        if (port <= 0) return undefined;
        const host = addr.slice(0, addr.lastIndexOf(':'));
        return {
          brokerName: qd.brokerName,
          endpoints: { scheme: 'IPv4', addresses: [{ host, port }] },
          readQueueNums: qd.readQueueNums,
          writeQueueNums: qd.writeQueueNums,
          perm: qd.perm,
        };
      }),
    );
    return found.filter((b): b is BrokerQueues => b !== undefined).sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
  }

  /** The remoting address of the named broker's master, from the topic's route. */
  async brokerAddr(topic: string, brokerName: string): Promise<string | undefined> {
    const route = await this.#route(topic);
    return route?.brokerDatas.find((b) => b.brokerName === brokerName)?.brokerAddrs['0'];
  }

  /** Asks the broker at `addr` to recall a timer message (RECALL_MESSAGE); its message id. */
  recallOn(addr: string, topic: string, recallHandle: string): Promise<string> {
    return this.#o.outer.recallMessage(addr, topic, recallHandle, this.#o.timeoutMs);
  }

  /**
   * The first lookup of a key waits for its answer; later ones get the last answer at once,
   * and an expired one is refreshed behind it, so a slow NameServer or a dead peer delays only
   * the first QueryRoute that needs it.
   */
  #cached<T>(map: Map<string, Cached<T>>, key: string, fetch: () => Promise<{ value: T; ttlMs: number }>): Promise<T> {
    const now = Date.now();
    const hit = map.get(key);
    if (hit !== undefined && hit.until > now) return hit.value;
    if (hit === undefined && map.size > 10_000) map.clear();
    const refreshing = fetch();
    const entry: Cached<T> = { until: Number.POSITIVE_INFINITY, value: refreshing.then((r) => r.value) };
    if (hit !== undefined) hit.until = Number.POSITIVE_INFINITY; // one refresh at a time
    refreshing.then(
      (r) => map.set(key, { until: Date.now() + r.ttlMs, value: Promise.resolve(r.value) }),
      () => map.delete(key), // the fetchers answer instead of failing; this is only a backstop
    );
    if (hit !== undefined) return hit.value;
    map.set(key, entry);
    return entry.value;
  }

  #route(topic: string): Promise<TopicRouteData | undefined> {
    return this.#cached(this.#routes, topic, async () => ({
      value: await this.#o.outer.topicRoute(this.#o.namesrvAddrs, topic, this.#o.timeoutMs),
      ttlMs: ROUTE_TTL_MS,
    }));
  }

  #grpcPort(addr: string): Promise<number> {
    return this.#cached(this.#ports, addr, async () => {
      try {
        const config = await this.#o.outer.brokerConfig(addr, this.#o.timeoutMs);
        const port = Number(config.grpcListenPort ?? '-1');
        return { value: Number.isInteger(port) && port > 0 && port <= 65535 ? port : -1, ttlMs: PORT_TTL_MS };
      } catch (err) {
        this.#o.log.debug({ err, broker: addr }, 'cannot ask a broker for its gRPC port');
        return { value: -1, ttlMs: UNREACHABLE_TTL_MS };
      }
    });
  }
}
