// Broker-facing requests: REGISTER_BROKER (103), UNREGISTER_BROKER (104), QUERY_DATA_VERSION (322).

import { crc32 } from 'node:zlib';
import { ContrailError } from '@contrail/common';
import { RequestCode, ResponseCode, createResponse, type RemotingServer } from '@contrail/remoting';
import { requireField, requireInt } from '../header-fields.js';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config-manager.js';
import { decodeRegisterBrokerBody, parseDataVersion } from '../register-broker-body.js';
import type { NamesrvContext } from './namesrv-context.js';

export function registerBrokerProcessors(server: RemotingServer, ctx: NamesrvContext): void {
  server.registerProcessor(RequestCode.REGISTER_BROKER, (request, pctx) => {
    const brokerName = requireField(request, 'brokerName');
    const brokerAddr = requireField(request, 'brokerAddr');
    const clusterName = requireField(request, 'clusterName');
    const haServerAddr = requireField(request, 'haServerAddr');
    const brokerId = requireInt(request, 'brokerId');
    const expectedCrc = Number(request.extFields.bodyCrc32 ?? '0');
    if (expectedCrc !== 0) {
      // Java's UtilAll.crc32: the CRC32 with its top bit cleared.
      const actual = (crc32(request.body ?? Buffer.alloc(0)) & 0x7fffffff) >>> 0;
      if (actual !== expectedCrc) return createResponse(request, ResponseCode.SYSTEM_ERROR, {}, undefined, 'crc32 not match');
    }
    const body = decodeRegisterBrokerBody(request.body, request.extFields.compressed === 'true');
    const result = ctx.routes.registerBroker(
      { clusterName, brokerAddr, brokerName, brokerId, haServerAddr, body, connection: pctx.connection },
      ctx.now(),
    );
    ctx.log.debug({ brokerName, brokerAddr, brokerId, topics: body.topicConfigTable.size }, 'broker registered');
    const ext: Record<string, string> = {};
    // Java leaves these null (absent) for a master or an unknown master.
    if (result.haServerAddr !== '') ext.haServerAddr = result.haServerAddr;
    if (result.masterAddr !== '') ext.masterAddr = result.masterAddr;
    return createResponse(request, ResponseCode.SUCCESS, ext, ctx.kv.listJson(NAMESPACE_ORDER_TOPIC_CONFIG));
  });

  server.registerProcessor(RequestCode.UNREGISTER_BROKER, (request) => {
    ctx.routes.unregisterBroker(
      requireField(request, 'clusterName'),
      requireField(request, 'brokerAddr'),
      requireField(request, 'brokerName'),
      requireInt(request, 'brokerId'),
    );
    return createResponse(request, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.QUERY_DATA_VERSION, (request) => {
    const brokerAddr = requireField(request, 'brokerAddr');
    let dataVersion;
    try {
      dataVersion = parseDataVersion(JSON.parse((request.body ?? Buffer.from('{}')).toString('utf8')));
    } catch (err) {
      throw new ContrailError('SYSTEM_ERROR', 'dataVersion body is not JSON', { cause: err });
    }
    const changed = ctx.routes.isBrokerTopicConfigChanged(brokerAddr, dataVersion);
    if (!changed) ctx.routes.touch(brokerAddr, ctx.now());
    const known = ctx.routes.brokerLiveTable.get(brokerAddr)?.dataVersion;
    const body = known === undefined ? undefined : Buffer.from(JSON.stringify(known), 'utf8');
    return createResponse(request, ResponseCode.SUCCESS, { changed: String(changed) }, body);
  });
}
