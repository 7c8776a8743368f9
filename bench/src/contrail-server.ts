// A NameServer and a broker in one process, with the flags of `contrail start`; used when the
// CLI at hand has no start command. Prints a line with "ready" once both listen.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Broker, resolveBrokerConfig, type FlushDiskType } from '@contrail/broker';
import { NameServer } from '@contrail/namesrv';

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string', default: './data' },
    'namesrv-port': { type: 'string', default: '9876' },
    'broker-port': { type: 'string', default: '10911' },
    'flush-disk-type': { type: 'string', default: 'ASYNC_FLUSH' },
  },
});
const namesrv = new NameServer({ host: '127.0.0.1', port: Number(values['namesrv-port']) });
await namesrv.start();
const broker = new Broker(
  resolveBrokerConfig({
    brokerName: 'broker-a',
    brokerClusterName: 'DefaultCluster',
    namesrvAddr: [`127.0.0.1:${namesrv.port}`],
    listenPort: Number(values['broker-port']),
    bindAddress: '127.0.0.1',
    brokerIP1: '127.0.0.1',
    storePathRootDir: resolve(values['data-dir'] ?? './data'),
    flushDiskType: values['flush-disk-type'] as FlushDiskType,
  }),
);
await broker.start();
process.stderr.write(`Contrail ready: NameServer 127.0.0.1:${namesrv.port}, broker ${broker.address}\n`);
let stopping = false;
const stop = (): void => {
  if (stopping) process.exit(1);
  stopping = true;
  void broker
    .shutdown()
    .then(() => namesrv.shutdown())
    .then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
