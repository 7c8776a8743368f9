// REGISTER_BROKER bodies, in both forms a RocketMQ 4.9 broker sends.
//
// Plain (compressed=false), JSON:
//   {"topicConfigSerializeWrapper":{"topicConfigTable":{name:TopicConfig},"dataVersion":{..}},
//    "filterServerList":[]}
// Compressed (compressed=true), a zlib stream (Deflater) of, big-endian:
//   int32 len | DataVersion JSON
//   int32 topicCount | { int32 len | "name readQueueNums writeQueueNums perm topicFilterType" }*
//   int32 len | filterServerList JSON
// The compressed topic line carries no topicSysFlag or order: those read as 0 and false.

import { deflateSync, inflateSync } from 'node:zlib';
import { ContrailError } from '@contrail/common';
import type { DataVersion, RegisterBrokerBody, TopicConfig } from './route-types.js';

/** Inflated bodies larger than this are refused (a deflate bomb would otherwise cost memory). */
const MAX_INFLATED = 64 * 1024 * 1024;

function bad(why: string, cause?: unknown): ContrailError {
  return new ContrailError('SYSTEM_ERROR', `Failed to decode RegisterBrokerBody: ${why}`, cause === undefined ? {} : { cause });
}

function num(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : fallback;
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function parseDataVersion(v: unknown): DataVersion {
  const o = asObject(v);
  const dv: DataVersion = { timestamp: num(o.timestamp, 0), counter: num(o.counter, 0) };
  if (o.stateVersion !== undefined) dv.stateVersion = num(o.stateVersion, 0);
  return dv;
}

function parseTopicConfig(name: string, v: unknown): TopicConfig {
  const o = asObject(v);
  return {
    topicName: typeof o.topicName === 'string' ? o.topicName : name,
    readQueueNums: num(o.readQueueNums, 16),
    writeQueueNums: num(o.writeQueueNums, 16),
    perm: num(o.perm, 6),
    topicFilterType: typeof o.topicFilterType === 'string' ? o.topicFilterType : 'SINGLE_TAG',
    topicSysFlag: num(o.topicSysFlag, 0),
    order: o.order === true || o.order === 'true',
  };
}

function parseFilterServers(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export function decodeRegisterBrokerBody(body: Buffer | undefined, compressed: boolean): RegisterBrokerBody {
  if (body === undefined || body.length === 0) {
    return { topicConfigTable: new Map(), dataVersion: { timestamp: 0, counter: 0 }, filterServerList: [] };
  }
  return compressed ? decodeCompressed(body) : decodePlain(body);
}

function decodePlain(body: Buffer): RegisterBrokerBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw bad('not JSON', err);
  }
  const root = asObject(parsed);
  const wrapper = asObject(root.topicConfigSerializeWrapper);
  const topicConfigTable = new Map<string, TopicConfig>();
  for (const [name, tc] of Object.entries(asObject(wrapper.topicConfigTable))) {
    const config = parseTopicConfig(name, tc);
    topicConfigTable.set(config.topicName, config);
  }
  return {
    topicConfigTable,
    dataVersion: parseDataVersion(wrapper.dataVersion),
    filterServerList: parseFilterServers(root.filterServerList),
  };
}

function decodeCompressed(body: Buffer): RegisterBrokerBody {
  let data: Buffer;
  try {
    data = inflateSync(body, { maxOutputLength: MAX_INFLATED });
  } catch (err) {
    throw bad('not a zlib stream', err);
  }
  let p = 0;
  const readBlock = (): string => {
    if (p + 4 > data.length) throw bad('truncated');
    const len = data.readInt32BE(p);
    p += 4;
    if (len < 0 || p + len > data.length) throw bad('block length out of range');
    const s = data.toString('utf8', p, p + len);
    p += len;
    return s;
  };
  let dataVersion: DataVersion;
  try {
    dataVersion = parseDataVersion(JSON.parse(readBlock()));
  } catch (err) {
    throw err instanceof ContrailError ? err : bad('dataVersion is not JSON', err);
  }
  if (p + 4 > data.length) throw bad('truncated');
  const count = data.readInt32BE(p);
  p += 4;
  const topicConfigTable = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    const fields = readBlock().split(' ');
    if (fields.length !== 5) throw bad('topic config line does not have 5 fields');
    const [topicName, read, write, perm, filterType] = fields as [string, string, string, string, string];
    topicConfigTable.set(topicName, {
      topicName,
      readQueueNums: num(read, 16),
      writeQueueNums: num(write, 16),
      perm: num(perm, 6),
      topicFilterType: filterType,
      topicSysFlag: 0,
      order: false,
    });
  }
  let filterServerList: string[] = [];
  if (p < data.length) {
    try {
      filterServerList = parseFilterServers(JSON.parse(readBlock()));
    } catch {
      // Java logs and carries on with an empty list here.
    }
  }
  return { topicConfigTable, dataVersion, filterServerList };
}

function dataVersionJson(dv: DataVersion): string {
  return JSON.stringify(dv.stateVersion === undefined ? { counter: dv.counter, timestamp: dv.timestamp } : dv);
}

/** The body a broker sends, in either form. */
export function encodeRegisterBrokerBody(body: RegisterBrokerBody, compressed: boolean): Buffer {
  if (!compressed) {
    const topicConfigTable = Object.fromEntries(body.topicConfigTable);
    const json = {
      topicConfigSerializeWrapper: { topicConfigTable, dataVersion: JSON.parse(dataVersionJson(body.dataVersion)) as unknown },
      filterServerList: body.filterServerList,
    };
    return Buffer.from(JSON.stringify(json), 'utf8');
  }
  const parts: Buffer[] = [];
  const block = (s: string): void => {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeInt32BE(b.length);
    parts.push(len, b);
  };
  block(dataVersionJson(body.dataVersion));
  const count = Buffer.alloc(4);
  count.writeInt32BE(body.topicConfigTable.size);
  parts.push(count);
  for (const tc of body.topicConfigTable.values()) {
    block(`${tc.topicName} ${tc.readQueueNums} ${tc.writeQueueNums} ${tc.perm} ${tc.topicFilterType}`);
  }
  block(JSON.stringify(body.filterServerList));
  return deflateSync(Buffer.concat(parts), { level: 9 });
}
