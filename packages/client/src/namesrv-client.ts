// Requests to NameServers: each is tried in turn, starting with the one that answered last,
// until one answers. NameServers are independent copies, so any answer is as good as another.
import { ContrailError } from '@contrail/common';
import { RequestCode, ResponseCode, createRequest, type RemotingClient, type RemotingCommand } from '@contrail/remoting';
import { parseTopicRouteData, type TopicRouteData } from './topic-route.js';

export class NamesrvClient {
  readonly addrs: readonly string[];
  readonly #remoting: RemotingClient;
  readonly #timeoutMs: number;
  #current = 0;

  constructor(remoting: RemotingClient, addrs: readonly string[], timeoutMs = 3000) {
    this.#remoting = remoting;
    this.addrs = addrs;
    this.#timeoutMs = timeoutMs;
    this.#current = Math.floor(Math.random() * addrs.length);
  }

  /**
   * Sends a fresh request built by `make` to one NameServer after another until one answers
   * (whatever the response code). Throws the last transport error when none answers.
   */
  async invoke(make: () => RemotingCommand): Promise<RemotingCommand> {
    let lastError: unknown;
    for (let i = 0; i < this.addrs.length; i++) {
      const index = (this.#current + i) % this.addrs.length;
      const addr = this.addrs[index] as string;
      try {
        const res = await this.#remoting.invoke(addr, make(), this.#timeoutMs);
        this.#current = index;
        return res;
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError instanceof Error ? lastError : new ContrailError('CONNECT_FAILED', 'no NameServer answered');
  }

  /** GET_ROUTEINFO_BY_TOPIC; throws TOPIC_NOT_EXIST (17) when no NameServer knows the topic. */
  async topicRoute(topic: string): Promise<TopicRouteData> {
    const res = await this.invoke(() => createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic }));
    if (res.code !== ResponseCode.SUCCESS) throw ContrailError.fromResponse(res.code, res.remark);
    if (res.body === undefined) throw new ContrailError('SYSTEM_ERROR', `empty route for topic ${topic}`);
    return parseTopicRouteData(res.body);
  }
}
