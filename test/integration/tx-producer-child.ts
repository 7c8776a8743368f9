// A transactional producer in its own process, for the check-back tests.
//   node tx-producer-child.js <namesrvAddr> <group> <topic> hang    sends a half message, prints
//       "HALF <transactionId>" and never finishes its local transaction (the parent kills it)
//   node tx-producer-child.js <namesrvAddr> <group> <topic> answer  answers every check with
//       COMMIT_MESSAGE, printing "CHECKED <transactionId>"
import { TransactionProducer } from '@contrail/client';

const [namesrvAddr = '', group = '', topic = '', mode = ''] = process.argv.slice(2);

const producer = new TransactionProducer({
  namesrvAddr,
  producerGroup: group,
  heartbeatBrokerIntervalMs: 200,
  transactionListener: {
    executeLocalTransaction: (msg) => {
      process.stdout.write(`HALF ${msg.transactionId}\n`);
      return new Promise(() => undefined);
    },
    checkLocalTransaction: (msg) => {
      process.stdout.write(`CHECKED ${msg.transactionId}\n`);
      return 'COMMIT_MESSAGE';
    },
  },
});

async function main(): Promise<void> {
  await producer.start();
  // Learning the route makes the producer heartbeat that broker, so it can be asked.
  await producer.publishQueues(topic);
  process.stdout.write('READY\n');
  if (mode === 'hang') await producer.sendMessageInTransaction({ topic, body: 'from A' });
}

process.on('SIGTERM', () => {
  producer.shutdown().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
