// KV configuration: PUT_KV_CONFIG (100), GET_KV_CONFIG (101), DELETE_KV_CONFIG (102),
// GET_KVLIST_BY_NAMESPACE (219).

import { RequestCode, ResponseCode, createResponse, type RemotingServer } from '@contrail/remoting';
import { requireField } from '../header-fields.js';
import type { NamesrvContext } from './namesrv-context.js';

export function registerKvProcessors(server: RemotingServer, ctx: NamesrvContext): void {
  server.registerProcessor(RequestCode.PUT_KV_CONFIG, (request) => {
    const { namespace, key } = request.extFields;
    if (namespace === undefined || key === undefined) {
      return createResponse(request, ResponseCode.SYSTEM_ERROR, {}, undefined, 'namespace or key is null');
    }
    ctx.kv.put(namespace, key, requireField(request, 'value'));
    return createResponse(request, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_KV_CONFIG, (request) => {
    const namespace = requireField(request, 'namespace');
    const key = requireField(request, 'key');
    const value = ctx.kv.get(namespace, key);
    if (value === undefined) {
      const remark = `No config item, Namespace: ${namespace} Key: ${key}`;
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {}, undefined, remark);
    }
    return createResponse(request, ResponseCode.SUCCESS, { value });
  });

  server.registerProcessor(RequestCode.DELETE_KV_CONFIG, (request) => {
    ctx.kv.delete(requireField(request, 'namespace'), requireField(request, 'key'));
    return createResponse(request, ResponseCode.SUCCESS);
  });

  server.registerProcessor(RequestCode.GET_KVLIST_BY_NAMESPACE, (request) => {
    const namespace = requireField(request, 'namespace');
    const body = ctx.kv.listJson(namespace);
    if (body === undefined) {
      return createResponse(request, ResponseCode.QUERY_NOT_FOUND, {}, undefined, `No config item, Namespace: ${namespace}`);
    }
    return createResponse(request, ResponseCode.SUCCESS, {}, body);
  });
}
