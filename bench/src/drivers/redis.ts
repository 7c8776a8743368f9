// Redis Streams through ioredis with auto-pipelining: XADD per message, XREAD COUNT 1000.
import { Redis } from 'ioredis';
import type { Driver, Target } from './driver.js';

export async function openRedis(target: Target, stream: string, fresh: boolean): Promise<Driver> {
  const mk = (): Redis => new Redis({ host: '127.0.0.1', port: target.port, enableAutoPipelining: true });
  const r = mk();
  const readers: Redis[] = [];
  if (fresh) await r.del(stream);
  return {
    send(body, done) {
      r.xadd(stream, '*', 'd', body).then(
        () => done(),
        (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
      );
    },
    async sendAndWait(body) {
      await r.xadd(stream, '*', 'd', body);
    },
    async readerFromStart() {
      return async (n, onMessage) => {
        let last = '0-0';
        let got = 0;
        while (got < n) {
          const rep = await r.xreadBuffer('COUNT', 1000, 'STREAMS', stream, last);
          const entries = rep?.[0]?.[1];
          if (entries === undefined || entries.length === 0) break;
          for (const [, fields] of entries) {
            const body = fields[1];
            if (body !== undefined) onMessage(body);
          }
          got += entries.length;
          last = String(entries[entries.length - 1]?.[0]);
        }
        return got;
      };
    },
    async subscribeNew(onMessage) {
      const reader = mk();
      readers.push(reader);
      await reader.ping();
      let last = '$';
      let running = true;
      const loop = (async () => {
        while (running) {
          const rep = await reader.xreadBuffer('COUNT', 1000, 'BLOCK', 200, 'STREAMS', stream, last);
          const entries = rep?.[0]?.[1];
          if (entries === undefined || entries.length === 0) continue;
          for (const [, fields] of entries) {
            const body = fields[1];
            if (body !== undefined) onMessage(body);
          }
          last = String(entries[entries.length - 1]?.[0]);
        }
      })();
      return async () => {
        running = false;
        await loop.catch(() => undefined);
      };
    },
    async close() {
      for (const x of readers) x.disconnect();
      await r.quit();
    },
  };
}
