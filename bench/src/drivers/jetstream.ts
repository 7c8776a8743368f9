// NATS JetStream (file storage, R1) through nats.js. Sends are "publishAsync-style": a core
// publish with a reply subject and one wildcard subscription that takes the acks in order,
// the cheapest idiom of that client. Awaited sends use js.publish().
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, connect, type NatsConnection } from 'nats';
import type { Done, Driver, Target } from './driver.js';

export async function openJetStream(target: Target, stream: string, fresh: boolean): Promise<Driver> {
  const nc: NatsConnection = await connect({ servers: `127.0.0.1:${target.port}`, maxPingOut: 100 });
  const jsm = await nc.jetstreamManager();
  const js = nc.jetstream();
  const subject = `${stream}.x`;
  if (fresh) {
    await jsm.streams.add({
      name: stream,
      subjects: [`${stream}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: 1,
    });
  }
  // Acks of one stream over one connection come back in publish order: a FIFO of callbacks.
  const waiting: (Done | undefined)[] = [];
  let head = 0;
  const inbox = `_INBOX.bench${process.pid}`;
  let seq = 0;
  nc.subscribe(`${inbox}.*`, {
    callback: (err, m) => {
      const done = waiting[head];
      waiting[head++] = undefined;
      if (head > 65536 && head === waiting.length) {
        waiting.length = 0;
        head = 0;
      }
      const failed = err !== null || (m.data.length > 2 && m.data[2] === 0x65); /* {"error": */
      done?.(failed ? new Error(err?.message ?? new TextDecoder().decode(m.data)) : undefined);
    },
  });
  await nc.flush();
  const consumers: string[] = [];
  const newConsumer = async (deliver: DeliverPolicy): Promise<string> => {
    const name = `c${process.pid}_${consumers.length}_${Date.now()}`;
    await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.None, deliver_policy: deliver });
    consumers.push(name);
    return name;
  };

  return {
    send(body, done) {
      waiting.push(done);
      nc.publish(subject, body, { reply: `${inbox}.${seq++}` });
    },
    async sendAndWait(body) {
      await js.publish(subject, body);
    },
    async readerFromStart() {
      // As the peers' reference harness: the consumer is created before the clock starts.
      const c = await js.consumers.get(stream, await newConsumer(DeliverPolicy.All));
      return async (n, onMessage) => {
        const iter = await c.consume({ max_messages: 1000 });
        let got = 0;
        for await (const m of iter) {
          onMessage(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
          if (++got >= n) break;
        }
        return got;
      };
    },
    async subscribeNew(onMessage) {
      const c = await js.consumers.get(stream, await newConsumer(DeliverPolicy.New));
      const iter = await c.consume({ max_messages: 1000 });
      const loop = (async () => {
        for await (const m of iter) onMessage(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength));
      })();
      return async () => {
        await iter.close();
        await loop.catch(() => undefined);
      };
    },
    async close() {
      for (const name of consumers) await jsm.consumers.delete(stream, name).catch(() => undefined);
      await nc.drain();
    },
  };
}
