// Opens the driver for a target.
import { openContrail } from './contrail.js';
import type { Driver, Target } from './driver.js';
import { openJetStream } from './jetstream.js';
import { openRabbitQuorum } from './rabbitmq.js';
import { openRedis } from './redis.js';

export function openDriver(target: Target, stream: string, fresh: boolean): Promise<Driver> {
  switch (target.peer) {
    case 'contrail':
      return openContrail(target, stream, fresh);
    case 'jetstream':
      return openJetStream(target, stream, fresh);
    case 'redis':
      return openRedis(target, stream, fresh);
    case 'rabbitmq-quorum':
      return openRabbitQuorum(target, stream, fresh);
  }
}
