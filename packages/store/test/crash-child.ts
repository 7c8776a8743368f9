// Child process for the crash tests: appends until killed and prints one line per
// acknowledged append: "seq physicalOffset size queueId queueOffset storeTimestamp".
import { DefaultMessageStore, type FlushDiskType } from '../src/index.js';
import { crashStoreConfig, crashBody, CRASH_TOPIC } from './crash-shared.js';
import { msg } from './helpers.js';

const [dir = '', mode = 'SYNC_FLUSH', base = '0'] = process.argv.slice(2);
const store = new DefaultMessageStore(crashStoreConfig(dir, mode as FlushDiskType));
await store.start();
process.stdout.write('ready\n');
let seq = Number(base);
const last = seq + 20_000;
const worker = async (): Promise<void> => {
  while (seq < last) {
    const s = seq++;
    const queueId = s % 4;
    const r = await store.putMessage(msg(CRASH_TOPIC, queueId, crashBody(s), { KEYS: `k${s}`, TAGS: `t${s % 3}` }));
    if (r.status === 'PUT_OK') {
      process.stdout.write(`${s} ${r.physicalOffset} ${r.wroteBytes} ${queueId} ${r.queueOffset} ${r.storeTimestamp}\n`);
    }
  }
};
// How many bytes went through segment mappings so far (mapped writes), for the test to see.
setInterval(() => process.stdout.write(`mapped ${store.stats().mappedWriteBytes}\n`), 5);
await Promise.all(Array.from({ length: 16 }, worker));
// Stay alive until killed.
setInterval(() => undefined, 1000);
