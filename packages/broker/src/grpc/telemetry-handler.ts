// Telemetry: the client's long-lived stream. Its Settings register the client (consumers
// before their first heartbeat) and are answered with the merged Settings — again after
// 0.5 s and 2 s, because a producer with several topics may start waiting only after the
// first answer went by. The stream is how transaction checks reach a producer, and while
// it is open the client's auto-renewed deliveries stay hidden.
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { callContext } from './call-context.js';
import type { DoorDeps } from './door-deps.js';
import { heartbeatOf, type GrpcClient, type TelemetrySink } from './grpc-clients.js';
import { Code, status } from './grpc-status.js';
import type { PbTelemetryCommand } from './proto-types.js';
import { settingsReply } from './settings-reply.js';

const SETTINGS_RESENDS_MS = [500, 2000];

export type TelemetryCall = ServerDuplexStream<PbTelemetryCommand, PbTelemetryCommand>;

export function handleTelemetry(deps: DoorDeps, call: TelemetryCall, sessions: Set<TelemetryCall>): void {
  const ctx = callContext(call, false);
  if (ctx.clientId.length === 0) {
    call.write({ status: status(Code.CLIENT_ID_REQUIRED, 'x-mq-client-id is required') });
    call.end();
    return;
  }
  const client = deps.clients.ensure(ctx.clientId, ctx.peer);
  const timers = new Set<NodeJS.Timeout>();
  let open = true;
  const sink: TelemetrySink = {
    write: (cmd) => {
      if (!open) return false;
      try {
        call.write(cmd);
        return true;
      } catch (err) {
        deps.log.warn({ err, clientId: ctx.clientId }, 'telemetry write failed');
        return false;
      }
    },
  };
  sessions.add(call);
  deps.clients.addSession(client, sink);
  deps.pop.clientAlive(ctx.clientId, true);

  const close = (): void => {
    if (!open) return;
    open = false;
    sessions.delete(call);
    for (const t of timers) clearTimeout(t);
    deps.pop.clientAlive(ctx.clientId, false);
    if (deps.clients.removeSession(client, sink)) {
      deps.core.channelClosed(client.channel.id);
      deps.clients.forget(ctx.clientId);
    }
  };

  call.on('data', (cmd: PbTelemetryCommand) => {
    try {
      if (cmd.settings !== undefined) onSettings(deps, client, cmd, sink, timers);
      // Thread stack traces, verify results and unknown commands need no answer.
    } catch (err) {
      deps.log.warn({ err, clientId: ctx.clientId }, 'telemetry command failed');
    }
  });
  call.on('end', () => {
    close();
    call.end();
  });
  call.on('error', () => close());
  call.on('cancelled', () => close());
  call.on('close', () => close());
}

function onSettings(deps: DoorDeps, client: GrpcClient, cmd: PbTelemetryCommand, sink: TelemetrySink, timers: Set<NodeJS.Timeout>): void {
  const settings = cmd.settings;
  if (settings === undefined) return;
  client.settings = settings;
  deps.core.heartbeat(client.channel, heartbeatOf(client.clientId, settings));
  const reply = (): void => {
    sink.write({ status: status(Code.OK, 'OK'), settings: settingsReply(settings, deps) });
  };
  reply();
  for (const ms of SETTINGS_RESENDS_MS) {
    const t = setTimeout(() => {
      timers.delete(t);
      reply();
    }, ms);
    t.unref();
    timers.add(t);
  }
}
