// The remoting command model (RocketMQ's RemotingCommand) and the helpers that build
// requests and responses with the flag bits and serialize type set the way clients expect.

export const SerializeType = { JSON: 0, ROCKETMQ: 1 } as const;
export type SerializeType = (typeof SerializeType)[keyof typeof SerializeType];

/** Flag bit 0: the command is a response. */
export const FLAG_RESPONSE = 1;
/** Flag bit 1: the sender expects no response. */
export const FLAG_ONEWAY = 2;

/** The MQVersion ordinal Contrail puts in the commands it creates (V4_9_7). */
export const DEFAULT_VERSION = 407;

/** A decoded command: the body, when present, is one buffer. */
export interface RemotingCommand {
  code: number;
  language: string;
  version: number;
  opaque: number;
  flag: number;
  remark?: string | undefined;
  extFields: Record<string, string>;
  body?: Buffer | undefined;
  serializeType: SerializeType;
}

/**
 * A body as it may be written: one buffer, or a list of slices (for example commit-log
 * records for a pull response) that are written one after another without being joined.
 */
export type CommandBody = Buffer | readonly Buffer[];

/** A command on its way out; every decoded RemotingCommand is also one. */
export interface OutgoingCommand extends Omit<RemotingCommand, 'body'> {
  body?: CommandBody | undefined;
}

export function isResponse(cmd: { flag: number }): boolean {
  return (cmd.flag & FLAG_RESPONSE) !== 0;
}

export function isOneway(cmd: { flag: number }): boolean {
  return (cmd.flag & FLAG_ONEWAY) !== 0;
}

/** Total length of a body in bytes. */
export function bodyLength(body: CommandBody | undefined): number {
  if (body === undefined) return 0;
  if (Buffer.isBuffer(body)) return body.length;
  let n = 0;
  for (const b of body as readonly Buffer[]) n += b.length;
  return n;
}

/** A request; its opaque is assigned by the connection that sends it. */
export function createRequest(
  code: number,
  extFields: Record<string, string> = {},
  body?: Buffer,
  serializeType: SerializeType = SerializeType.JSON,
): RemotingCommand {
  return { code, language: 'JAVA', version: DEFAULT_VERSION, opaque: 0, flag: 0, remark: undefined, extFields, body, serializeType };
}

/**
 * The response to `request`: echoes its opaque, sets the response bit and keeps its
 * serialize type, because ali-ons cannot read a header type it did not send.
 */
export function createResponse(
  request: Pick<RemotingCommand, 'opaque' | 'serializeType'>,
  code: number,
  extFields: Record<string, string> = {},
  body?: CommandBody,
  remark?: string,
): OutgoingCommand {
  return {
    code,
    language: 'JAVA',
    version: DEFAULT_VERSION,
    opaque: request.opaque,
    flag: FLAG_RESPONSE,
    remark,
    extFields,
    body,
    serializeType: request.serializeType,
  };
}
