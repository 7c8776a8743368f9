// JSON header codec (serialize type 0), the form every client speaks by default.
// Input is tolerant (ali-ons sends numbers and booleans in extFields); output is strict:
// extFields values are always strings, as Java sends them.

import { ContrailError } from '@contrail/common';
import { setExtField } from './ext-fields.js';
import { SerializeType, type OutgoingCommand, type RemotingCommand } from './remoting-command.js';

interface JsonHeader {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string;
  extFields?: Record<string, string>;
}

/** The JSON header text of a command (body excluded). */
export function encodeJsonHeader(cmd: OutgoingCommand): string {
  const header: JsonHeader = {
    code: cmd.code,
    language: cmd.language,
    version: cmd.version,
    opaque: cmd.opaque,
    flag: cmd.flag,
  };
  if (cmd.remark !== undefined) header.remark = cmd.remark;
  header.extFields = cmd.extFields;
  return JSON.stringify(header);
}

function malformed(why: string, cause?: unknown): ContrailError {
  return new ContrailError('FRAME_MALFORMED', `malformed JSON header: ${why}`, cause === undefined ? {} : { cause });
}

function intField(obj: Record<string, unknown>, key: string, required: boolean): number {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw malformed(`missing ${key}`);
    return 0;
  }
  if (typeof v !== 'number' || !Number.isInteger(v)) throw malformed(`${key} is not an integer`);
  return v;
}

function allStrings(o: Record<string, unknown>): boolean {
  for (const k in o) if (typeof o[k] !== 'string') return false;
  return true;
}

function stringify(v: unknown): string {
  // Objects are not expected here, but String() would give "[object Object]".
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Decodes a JSON header from `buf[start, end)`; the body is attached by the caller. */
export function decodeJsonHeader(buf: Buffer, start: number, end: number): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString('utf8', start, end));
  } catch (err) {
    throw malformed('not JSON', err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw malformed('not an object');
  const obj = parsed as Record<string, unknown>;
  let extFields: Record<string, string> = {};
  const ext = obj.extFields;
  if (ext !== undefined && ext !== null) {
    if (typeof ext !== 'object' || Array.isArray(ext)) throw malformed('extFields is not an object');
    const fields = ext as Record<string, unknown>;
    if (allStrings(fields)) {
      // What Java and Contrail send: the parsed object is the record (JSON.parse makes every
      // key, "__proto__" included, an own data property).
      extFields = fields as Record<string, string>;
    } else {
      // ali-ons sends numbers and booleans. for-in rather than Object.entries: no pair array
      // per field (a parsed object has no inherited enumerable keys).
      for (const k in fields) {
        const v = fields[k];
        if (v !== null && v !== undefined) setExtField(extFields, k, stringify(v));
      }
    }
  }
  const remark = obj.remark;
  if (remark !== undefined && remark !== null && typeof remark !== 'string') throw malformed('remark is not a string');
  const language = obj.language;
  return {
    code: intField(obj, 'code', true),
    language: typeof language === 'string' ? language : 'JAVA',
    version: intField(obj, 'version', false),
    opaque: intField(obj, 'opaque', false),
    flag: intField(obj, 'flag', false),
    remark: typeof remark === 'string' ? remark : undefined,
    extFields,
    body: undefined,
    serializeType: SerializeType.JSON,
  };
}
