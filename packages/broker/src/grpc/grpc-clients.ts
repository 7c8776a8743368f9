// The gRPC clients the door knows, keyed by x-mq-client-id (never by connection: every
// client object of a process shares one HTTP/2 connection): their last Settings, their open
// telemetry streams and their channel in the broker's client managers.
import { parseSubscription, type SubscriptionData } from '../client/subscription-data.js';
import type { ClientHeartbeat } from '../messaging/client-types.js';
import { GrpcClientChannel } from './grpc-client-channel.js';
import type { PbSettings, PbTelemetryCommand } from './proto-types.js';
import type { TransactionIds } from './transaction-ids.js';

export interface TelemetrySink {
  write(cmd: PbTelemetryCommand): boolean;
}

export interface GrpcClient {
  readonly clientId: string;
  readonly channel: GrpcClientChannel;
  settings: PbSettings | undefined;
  /** Open telemetry streams, newest last. */
  readonly sessions: TelemetrySink[];
}

export class GrpcClients {
  readonly #clients = new Map<string, GrpcClient>();
  readonly #transactions: TransactionIds;

  constructor(transactions: TransactionIds) {
    this.#transactions = transactions;
  }

  get(clientId: string): GrpcClient | undefined {
    return this.#clients.get(clientId);
  }

  ensure(clientId: string, peer: string): GrpcClient {
    let c = this.#clients.get(clientId);
    if (c === undefined) {
      const client: GrpcClient = {
        clientId,
        settings: undefined,
        sessions: [],
        channel: new GrpcClientChannel(clientId, peer, (cmd) => this.#write(client, cmd), this.#transactions),
      };
      c = client;
      this.#clients.set(clientId, c);
    }
    return c;
  }

  addSession(client: GrpcClient, sink: TelemetrySink): void {
    client.sessions.push(sink);
  }

  /** Removes a stream; returns whether the client has none left. */
  removeSession(client: GrpcClient, sink: TelemetrySink): boolean {
    const i = client.sessions.indexOf(sink);
    if (i >= 0) client.sessions.splice(i, 1);
    return client.sessions.length === 0;
  }

  forget(clientId: string): void {
    const c = this.#clients.get(clientId);
    if (c !== undefined && c.sessions.length === 0) this.#clients.delete(clientId);
  }

  all(): GrpcClient[] {
    return [...this.#clients.values()];
  }

  #write(client: GrpcClient, cmd: PbTelemetryCommand): boolean {
    const sink = client.sessions[client.sessions.length - 1];
    return sink !== undefined && sink.write(cmd);
  }
}

/** The membership a client's Settings stand for, as a heartbeat to the core. */
export function heartbeatOf(clientId: string, s: PbSettings | undefined, extraProducerGroups: readonly string[] = []): ClientHeartbeat {
  const hb: ClientHeartbeat = { clientId, version: 0, consumers: [], producerGroups: [...extraProducerGroups] };
  if (s === undefined) return hb;
  const type = String(s.client_type ?? '');
  if (type === 'PRODUCER') {
    // A gRPC producer's group is its topic (the proxy's convention), so checks can find it.
    for (const t of s.publishing?.topics ?? []) if (t.name !== undefined && t.name.length > 0) hb.producerGroups.push(t.name);
  }
  const group = s.subscription?.group?.name;
  if (group !== undefined && group.length > 0) {
    const subscriptions: SubscriptionData[] = [];
    for (const e of s.subscription?.subscriptions ?? []) {
      const topic = e.topic?.name;
      if (topic === undefined || topic.length === 0) continue;
      try {
        subscriptions.push(parseSubscription(topic, e.expression?.expression, Date.now(), e.expression?.type === 'SQL' ? 'SQL92' : 'TAG'));
      } catch {
        // A bad expression is refused when the consumer receives; membership still counts.
      }
    }
    hb.consumers.push({
      groupName: group,
      consumeType: 'CONSUME_POP',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptions,
      unitMode: false,
    });
  }
  return hb;
}
