// Broker write permission, for draining a broker before maintenance:
// WIPE_WRITE_PERM_OF_BROKER (205) and ADD_WRITE_PERM_OF_BROKER (327).

import { RequestCode, ResponseCode, createResponse, type RemotingServer } from '@contrail/remoting';
import { requireField } from '../header-fields.js';
import type { NamesrvContext } from './namesrv-context.js';

export function registerPermProcessors(server: RemotingServer, ctx: NamesrvContext): void {
  server.registerProcessor(RequestCode.WIPE_WRITE_PERM_OF_BROKER, (request, pctx) => {
    const brokerName = requireField(request, 'brokerName');
    const count = ctx.routes.setWritePerm(brokerName, false);
    ctx.log.info({ brokerName, client: pctx.remoteAddress, topics: count }, 'wiped write perm of broker');
    return createResponse(request, ResponseCode.SUCCESS, { wipeTopicCount: String(count) });
  });

  server.registerProcessor(RequestCode.ADD_WRITE_PERM_OF_BROKER, (request, pctx) => {
    const brokerName = requireField(request, 'brokerName');
    const count = ctx.routes.setWritePerm(brokerName, true);
    ctx.log.info({ brokerName, client: pctx.remoteAddress, topics: count }, 'added write perm of broker');
    return createResponse(request, ResponseCode.SUCCESS, { addTopicCount: String(count) });
  });
}
