// Building responses; failures the core reports become their documented codes here, so
// a bad request is answered and logged quietly instead of as a server fault.
import { ContrailError, createLogger } from '@contrail/common';
import { ResponseCode, createResponse, type CommandBody, type OutgoingCommand, type ProcessorContext, type RemotingCommand, type RemotingProcessor } from '@contrail/remoting';

const log = createLogger('broker-processor');

export function ok(request: RemotingCommand, ext: Record<string, string> = {}, body?: CommandBody, remark?: string): OutgoingCommand {
  return createResponse(request, ResponseCode.SUCCESS, ext, body, remark);
}

export function errorResponse(request: RemotingCommand, err: unknown): OutgoingCommand {
  if (err instanceof ContrailError && err.responseCode !== null) {
    if (err.code === 'SYSTEM_ERROR') log.debug({ code: request.code, remark: err.message }, 'request refused');
    return createResponse(request, err.responseCode, {}, undefined, err.message);
  }
  log.error({ err, code: request.code }, 'processor failed');
  return createResponse(request, ResponseCode.SYSTEM_ERROR, {}, undefined, err instanceof Error ? err.message : String(err));
}

type Handler = (request: RemotingCommand, ctx: ProcessorContext) => OutgoingCommand | null | Promise<OutgoingCommand | null>;

/** Wraps a handler so that thrown ContrailErrors answer with their own code and remark. */
export function processor(handler: Handler): RemotingProcessor {
  return (request, ctx) => {
    try {
      const r = handler(request, ctx);
      if (r instanceof Promise) return r.catch((err: unknown) => errorResponse(request, err));
      return r;
    } catch (err) {
      return errorResponse(request, err);
    }
  };
}
