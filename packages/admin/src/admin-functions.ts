// One-shot forms of the admin operations: connect, do one thing, disconnect. For scripts and
// the CLI, where a long-lived AdminClient buys nothing.
import type { MessageExt, TopicRouteData } from '@contrail/client';
import { AdminClient, type CreateTopicOptions, type CreateTopicResult } from './admin-client.js';

export type NamesrvAddr = string | readonly string[];

export async function withAdmin<T>(namesrvAddr: NamesrvAddr, fn: (admin: AdminClient) => Promise<T>): Promise<T> {
  const admin = new AdminClient({ namesrvAddr });
  try {
    return await fn(admin);
  } finally {
    await admin.shutdown();
  }
}

export function createTopic(namesrvAddr: NamesrvAddr, options: CreateTopicOptions): Promise<CreateTopicResult> {
  return withAdmin(namesrvAddr, (a) => a.createTopic(options));
}

export function topicRoute(namesrvAddr: NamesrvAddr, topic: string): Promise<TopicRouteData> {
  return withAdmin(namesrvAddr, (a) => a.topicRoute(topic));
}

export function topicList(namesrvAddr: NamesrvAddr): Promise<string[]> {
  return withAdmin(namesrvAddr, (a) => a.topicList());
}

export function viewMessage(namesrvAddr: NamesrvAddr, offsetMsgId: string): Promise<MessageExt> {
  return withAdmin(namesrvAddr, (a) => a.viewMessage(offsetMsgId));
}

export function queryMessageByKey(
  namesrvAddr: NamesrvAddr,
  topic: string,
  key: string,
  maxNum?: number,
  begin?: number,
  end?: number,
): Promise<MessageExt[]> {
  return withAdmin(namesrvAddr, (a) => a.queryMessageByKey(topic, key, maxNum, begin, end));
}

export function queryMessageByUniqKey(namesrvAddr: NamesrvAddr, topic: string, uniqKey: string): Promise<MessageExt[]> {
  return withAdmin(namesrvAddr, (a) => a.queryMessageByUniqKey(topic, uniqKey));
}
