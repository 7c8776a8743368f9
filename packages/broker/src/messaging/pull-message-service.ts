// PULL: checks, subscription (inline or registered) to a tag filter, the store read, and
// long polling when nothing is there yet; commits the offset the consumer piggybacks.
import { Perm } from '@contrail/common';
import { parseSubscription, tagFilter, type SubscriptionData } from '../client/subscription-data.js';
import { isReadable } from '../topic/topic-config.js';
import type { BrokerServices } from './broker-services.js';
import { fail } from './fail.js';
import { pullStatusOf } from './pull-status.js';
import { PullSysFlag, type PullMessageRequest, type PullMessageResult } from './pull-types.js';

const DEFAULT_SUSPEND_MS = 15_000;

export class PullMessageService {
  readonly #s: BrokerServices;

  constructor(services: BrokerServices) {
    this.#s = services;
  }

  async pullMessage(req: PullMessageRequest, clientAddress: string): Promise<PullMessageResult> {
    const filter = this.#check(req, clientAddress);
    let result = await this.#read(req, filter);
    if (req.sysFlag & PullSysFlag.COMMIT_OFFSET && this.#s.config.brokerRole !== 'SLAVE') {
      this.#s.offsets.commitOffset(req.consumerGroup, req.topic, req.queueId, req.commitOffset);
    }
    if (result.status === 'NO_NEW_MSG' && req.sysFlag & PullSysFlag.SUSPEND) {
      const c = this.#s.config;
      const suspend = Number.isFinite(req.suspendTimeoutMillis) && req.suspendTimeoutMillis >= 0 ? req.suspendTimeoutMillis : DEFAULT_SUSPEND_MS;
      const timeout = c.longPollingEnable ? suspend : c.shortPollingTimeMills;
      // A NO_NEW_MSG result holds no lease (#read releases it): nothing to let go here.
      await this.#s.pullHold.hold(req.topic, req.queueId, req.queueOffset, timeout, filter);
      result = await this.#read(req, filter);
    }
    return result;
  }

  /** Validates the request; returns the tag filter (undefined = everything). */
  #check(req: PullMessageRequest, clientAddress: string): ((tagsCode: number) => boolean) | undefined {
    const { config, groups, topics, consumers } = this.#s;
    if ((config.brokerPermission & Perm.READ) === 0) fail('NO_PERMISSION', `the broker[${config.brokerName}] pulling message is forbidden`);
    const group = groups.findOrCreate(req.consumerGroup);
    if (group === undefined) fail('SUBSCRIPTION_GROUP_NOT_EXIST', `subscription group [${req.consumerGroup}] does not exist`);
    if (!group.consumeEnable) fail('NO_PERMISSION', `subscription group no permission, ${req.consumerGroup}`);
    const tc = topics.get(req.topic);
    if (tc === undefined) fail('TOPIC_NOT_EXIST', `topic[${req.topic}] not exist, apply first please!`);
    if (!isReadable(tc.perm)) fail('NO_PERMISSION', `the topic[${req.topic}] pulling message is forbidden`);
    if (req.queueId < 0 || req.queueId >= tc.readQueueNums) {
      fail('SYSTEM_ERROR', `queueId[${req.queueId}] is illegal, topic:[${req.topic}] topicConfig.readQueueNums:[${tc.readQueueNums}] consumer:[${clientAddress}]`);
    }
    let sub: SubscriptionData;
    if (req.sysFlag & PullSysFlag.SUBSCRIPTION) {
      try {
        sub = parseSubscription(req.topic, req.subscription, req.subVersion, req.expressionType ?? 'TAG');
      } catch (err) {
        fail('SUBSCRIPTION_PARSE_FAILED', `parse the consumer's subscription[${req.subscription ?? ''}] failed: ${(err as Error).message}`);
      }
    } else {
      const info = consumers.get(req.consumerGroup);
      if (info === undefined) fail('SUBSCRIPTION_NOT_EXIST', "the consumer's group info not exist");
      const registered = info.subscriptions.get(req.topic);
      if (registered === undefined) fail('SUBSCRIPTION_NOT_EXIST', "the consumer's subscription not exist");
      if (registered.subVersion < req.subVersion) fail('SUBSCRIPTION_NOT_LATEST', "the consumer's subscription not latest");
      sub = registered;
    }
    if (sub.expressionType !== 'TAG') fail('SYSTEM_ERROR', `The broker does not support consumer to filter message by ${sub.expressionType}`);
    return tagFilter(sub);
  }

  async #read(req: PullMessageRequest, filter: ((tagsCode: number) => boolean) | undefined): Promise<PullMessageResult> {
    const c = this.#s.config;
    const maxNums = Math.max(1, Math.min(req.maxMsgNums > 0 ? req.maxMsgNums : 32, c.maxTransferCountOnMessageInMemory));
    const maxBytes = Math.min(req.maxMsgBytes !== undefined && req.maxMsgBytes > 0 ? req.maxMsgBytes : Infinity, c.maxTransferBytesOnMessageInMemory);
    const r = await this.#s.store.getMessage(req.topic, req.queueId, req.queueOffset, maxNums, filter, maxBytes, req.lease === true);
    // Only a result that carries the buffers keeps their lease.
    if (r.status !== 'FOUND') r.release?.();
    return {
      status: pullStatusOf(r.status, req.queueOffset),
      storeStatus: r.status,
      nextBeginOffset: r.nextBeginOffset,
      minOffset: r.minOffset,
      maxOffset: r.maxOffset,
      suggestWhichBrokerId: 0,
      buffers: r.status === 'FOUND' ? r.buffers : [],
      messageCount: r.status === 'FOUND' ? r.messageCount : 0,
      totalBytes: r.status === 'FOUND' ? r.totalBytes : 0,
      release: r.status === 'FOUND' ? r.release : undefined,
    };
  }
}
