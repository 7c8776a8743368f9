// apache.rocketmq.v2.MessagingService, loaded from the .proto files shipped with the broker
// (packages/broker/proto, from the RocketMQ 5 client protocol). Field names stay snake_case,
// longs become numbers, enums arrive as names, unset fields stay absent and oneofs are named
// (see proto-types.ts).
import { fileURLToPath } from 'node:url';
import { loadPackageDefinition, type GrpcObject, type ServiceDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** packages/broker/proto, from src/grpc (ts) or dist/src/grpc (js). */
function protoDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/dist/') ? fileURLToPath(new URL('../../../proto', import.meta.url)) : fileURLToPath(new URL('../../proto', import.meta.url));
}

let cached: ServiceDefinition | undefined;

export function messagingServiceDefinition(): ServiceDefinition {
  if (cached !== undefined) return cached;
  const def = loadSync('apache/rocketmq/v2/service.proto', {
    keepCase: true,
    includeDirs: [protoDir()],
    longs: Number,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const pkg = loadPackageDefinition(def) as { apache: { rocketmq: { v2: GrpcObject } } };
  const ctor = pkg.apache.rocketmq.v2.MessagingService as unknown as { service: ServiceDefinition };
  cached = ctor.service;
  return cached;
}
