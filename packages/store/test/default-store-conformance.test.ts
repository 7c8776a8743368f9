import { DefaultMessageStore, type MessageStore, type MessageStoreConfig } from '../src/index.js';
import { runConformanceSuite } from './conformance-suite.js';
import { tempDir } from './helpers.js';

for (const flushDiskType of ['ASYNC_FLUSH', 'SYNC_FLUSH'] as const) {
  runConformanceSuite(`DefaultMessageStore ${flushDiskType}`, async (config) => {
    const { dir, cleanup } = await tempDir();
    const cfg: MessageStoreConfig = {
      storePathRootDir: dir,
      mappedFileSizeCommitLog: 64 * 1024,
      mappedFileSizeConsumeQueue: 20 * 100,
      maxHashSlotNum: 64,
      maxIndexNum: 256,
      flushDiskType,
      ...config,
    };
    let store: MessageStore = new DefaultMessageStore(cfg);
    await store.start();
    return {
      get store() {
        return store;
      },
      reopen: async () => {
        await store.shutdown();
        store = new DefaultMessageStore(cfg);
        await store.start();
        return store;
      },
      close: async () => {
        await store.shutdown();
        await cleanup();
      },
    };
  });
}
