import { MemoryMessageStore } from '../src/index.js';
import { runConformanceSuite } from './conformance-suite.js';

runConformanceSuite('MemoryMessageStore', async (config) => {
  const store = new MemoryMessageStore({ storePathRootDir: '', ...config });
  await store.start();
  return { store, close: () => store.shutdown() };
});
