// Route queries and topic administration: GET_ROUTEINFO_BY_TOPIC (105),
// GET_BROKER_CLUSTER_INFO (106), GET_ALL_TOPIC_LIST_FROM_NAMESERVER (206),
// GET_TOPICS_BY_CLUSTER (224), DELETE_TOPIC_IN_NAMESRV (216).

import { RequestCode, ResponseCode, createResponse, type RemotingServer } from '@contrail/remoting';
import { requireField } from '../header-fields.js';
import { NAMESPACE_ORDER_TOPIC_CONFIG } from '../kv-config-manager.js';
import { clusterInfoJson, topicListJson, topicRouteJson } from '../route-json.js';
import type { NamesrvContext } from './namesrv-context.js';

export function registerRouteProcessors(server: RemotingServer, ctx: NamesrvContext): void {
  server.registerProcessor(RequestCode.GET_ROUTEINFO_BY_TOPIC, (request) => {
    const topic = requireField(request, 'topic');
    const route = ctx.routes.pickupTopicRouteData(topic);
    if (route === undefined) {
      // ali-ons throws on 17 (it cannot auto-create topics) and its tests expect that.
      const remark = `No topic route info in name server for the topic: ${topic}`;
      return createResponse(request, ResponseCode.TOPIC_NOT_EXIST, {}, undefined, remark);
    }
    const orderTopicConf = ctx.kv.get(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
    // Standard JSON for every client version: ali-ons and fastjson both read it.
    return createResponse(request, ResponseCode.SUCCESS, {}, topicRouteJson(route, orderTopicConf));
  });

  server.registerProcessor(RequestCode.GET_BROKER_CLUSTER_INFO, (request) =>
    createResponse(request, ResponseCode.SUCCESS, {}, clusterInfoJson(ctx.routes.brokerAddrTable, ctx.routes.clusterAddrTable)),
  );

  server.registerProcessor(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (request) =>
    createResponse(request, ResponseCode.SUCCESS, {}, topicListJson(ctx.routes.getAllTopicList())),
  );

  server.registerProcessor(RequestCode.GET_TOPICS_BY_CLUSTER, (request) =>
    createResponse(request, ResponseCode.SUCCESS, {}, topicListJson(ctx.routes.getTopicsByCluster(requireField(request, 'cluster')))),
  );

  server.registerProcessor(RequestCode.DELETE_TOPIC_IN_NAMESRV, (request) => {
    ctx.routes.deleteTopic(requireField(request, 'topic'), request.extFields.clusterName);
    return createResponse(request, ResponseCode.SUCCESS);
  });
}
