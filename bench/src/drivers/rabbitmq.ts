// RabbitMQ quorum queue through amqplib: persistent messages on a confirm channel; the confirm
// comes after the Raft log is fdatasync'ed. Used for the SYNC_FLUSH comparison (W5) only.
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import type { Driver, Target } from './driver.js';

export async function openRabbitQuorum(target: Target, stream: string, fresh: boolean): Promise<Driver> {
  const conn: ChannelModel = await connect(`amqp://guest:guest@127.0.0.1:${target.port}`);
  const ch: ConfirmChannel = await conn.createConfirmChannel();
  if (fresh) await ch.deleteQueue(stream).catch(() => undefined);
  await ch.assertQueue(stream, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  const unsupported = (): never => {
    throw new Error('the RabbitMQ driver is only used for sends');
  };
  return {
    send(body, done) {
      ch.sendToQueue(stream, body, { persistent: true }, (err: unknown) => done(err ? new Error(String(err)) : undefined));
    },
    sendAndWait(body) {
      return new Promise((resolve, reject) => {
        ch.sendToQueue(stream, body, { persistent: true }, (err: unknown) => (err ? reject(new Error(String(err))) : resolve()));
      });
    },
    readerFromStart: unsupported,
    subscribeNew: unsupported,
    async drop() {
      await ch.deleteQueue(stream);
    },
    async close() {
      await ch.close().catch(() => undefined);
      await conn.close().catch(() => undefined);
    },
  };
}
