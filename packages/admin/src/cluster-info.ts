// GET_BROKER_CLUSTER_INFO: which brokers exist, by name and by cluster.
import { ContrailError } from '@contrail/common';
import { parseBrokerData, parseLenientJson, type BrokerData } from '@contrail/client';

export interface ClusterInfo {
  /** brokerName → its addresses by brokerId. */
  brokerAddrTable: Record<string, BrokerData>;
  /** clusterName → brokerNames. */
  clusterAddrTable: Record<string, string[]>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseClusterInfo(body: Buffer | undefined): ClusterInfo {
  let raw: unknown;
  try {
    raw = parseLenientJson(body?.toString('utf8') ?? '{}');
  } catch (err) {
    throw new ContrailError('SYSTEM_ERROR', `cannot parse cluster info: ${String(err)}`, { cause: err });
  }
  const info: ClusterInfo = { brokerAddrTable: {}, clusterAddrTable: {} };
  if (!isRecord(raw)) return info;
  if (isRecord(raw.brokerAddrTable)) {
    for (const [name, bd] of Object.entries(raw.brokerAddrTable)) {
      try {
        info.brokerAddrTable[name] = parseBrokerData(bd);
      } catch {
        // An entry without a name is unusable; the rest still is.
      }
    }
  }
  if (isRecord(raw.clusterAddrTable)) {
    for (const [cluster, names] of Object.entries(raw.clusterAddrTable)) {
      info.clusterAddrTable[cluster] = Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
    }
  }
  return info;
}
