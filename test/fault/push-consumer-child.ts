// A consumer process for the failover test: one concurrent consumer (group GID_FAULT_PLAIN,
// topic FAULT_PLAIN) and one orderly consumer (GID_FAULT_ORDER, FAULT_ORDER) in one process.
// Prints one JSON line per delivery and per rebalance; SIGTERM shuts down gracefully.
// Usage: node push-consumer-child.js <namesrvAddr> <name>
import { performance } from 'node:perf_hooks';
import { PushConsumer, type ConsumeContext, type MessageExt } from '@contrail/client';

const [namesrvAddr = '', name = 'child'] = process.argv.slice(2);
const now = (): number => performance.timeOrigin + performance.now();
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ child: name, ...o })}\n`);
};

const busy = new Set<string>();
function record(group: string, msgs: MessageExt[], ctx: ConsumeContext): void {
  for (const m of msgs) out({ t: 'msg', g: group, body: m.body.toString(), q: `${ctx.queue.brokerName}/${ctx.queue.queueId}`, off: m.queueOffset, ts: now() });
}

const common = {
  namesrvAddr,
  instanceName: name,
  rebalanceIntervalMs: 2000,
  persistConsumerOffsetIntervalMs: 500,
  lockIntervalMs: 2000,
  suspendTimeoutMs: 2000,
  heartbeatBrokerIntervalMs: 1000,
};
const plain = new PushConsumer({
  ...common,
  consumerGroup: 'GID_FAULT_PLAIN',
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  onEvent: (e) => {
    if (e.type === 'rebalanced') out({ t: 'rebalanced', g: 'GID_FAULT_PLAIN', topic: e.topic, queues: e.queues.map((q) => `${q.brokerName}/${q.queueId}`), ts: now() });
  },
  listener: (msgs, ctx) => {
    record('GID_FAULT_PLAIN', msgs, ctx);
    return 'CONSUME_SUCCESS';
  },
});
const ordered = new PushConsumer({
  ...common,
  consumerGroup: 'GID_FAULT_ORDER',
  orderly: true,
  consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  listener: async (msgs, ctx) => {
    const k = `${ctx.queue.brokerName}/${ctx.queue.queueId}`;
    // One batch per queue at a time within this process.
    if (busy.has(k)) out({ t: 'overlap', q: k });
    busy.add(k);
    record('GID_FAULT_ORDER', msgs, ctx);
    await new Promise((r) => setTimeout(r, 1));
    busy.delete(k);
    return 'CONSUME_SUCCESS' as const;
  },
});

await plain.subscribe('FAULT_PLAIN');
await ordered.subscribe('FAULT_ORDER');
await plain.start();
await ordered.start();
out({ t: 'ready', ids: [plain.clientId, ordered.clientId] });

process.on('SIGTERM', () => {
  Promise.all([plain.shutdown(), ordered.shutdown()])
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      process.stderr.write(`shutdown failed: ${String(err)}\n`);
      process.exit(1);
    });
});
