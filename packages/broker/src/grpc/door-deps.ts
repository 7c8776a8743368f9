// What the gRPC door's handlers work with: the protocol-neutral core and POP service, and
// the door's own client and transaction tables.
import type { Logger } from '@contrail/common';
import type { MessagingCore } from '../messaging/messaging-core.js';
import type { PopService } from '../messaging/pop/pop-service.js';
import type { ClusterRoutes } from './cluster-routes.js';
import type { GrpcClients } from './grpc-clients.js';
import type { PbEndpoints } from './proto-types.js';
import type { TransactionIds } from './transaction-ids.js';

export interface DoorDeps {
  readonly core: MessagingCore;
  readonly pop: PopService;
  readonly clients: GrpcClients;
  readonly transactions: TransactionIds;
  readonly brokerName: string;
  /** The other brokers' queues of a topic and their gRPC doors. */
  readonly routes: ClusterRoutes;
  /** This door as a broker endpoint (advertised IPv4 and the bound gRPC port). */
  endpoints(): PbEndpoints;
  /** Largest body accepted and advertised: under the client's 4 MiB receive limit. */
  readonly maxBodySize: number;
  /** Long-polling time told to push consumers. */
  readonly pushLongPollingMs: number;
  readonly log: Logger;
}
