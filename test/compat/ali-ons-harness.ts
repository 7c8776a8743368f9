// The few pieces of ali-ons (a CommonJS package without types) these tests use, typed, and a
// silent logger; ali-ons needs `httpclient` even with `nameSrv` set, and a stub is enough.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface AliMessage {
  topic: string;
  tags: string;
  body: Buffer;
  msgId: string;
  reconsumeTimes: number;
  properties: Record<string, string>;
}

export interface AliSendResult {
  sendStatus: string;
  msgId: string;
}

export interface AliProducer {
  ready(): Promise<void>;
  send(msg: unknown): Promise<AliSendResult>;
  close(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): void;
}

export interface AliConsumer {
  ready(): Promise<void>;
  subscribe(topic: string, expression: string, handler: (msg: AliMessage) => Promise<unknown>): void;
  close(): Promise<void>;
  on(event: 'error', fn: (err: Error) => void): void;
}

interface AliOns {
  Producer: (new (options: Record<string, unknown>) => AliProducer) & { defaultProducer?: AliProducer };
  Consumer: (new (options: Record<string, unknown>) => AliConsumer) & { ACTION_RETRY: symbol };
  Message: new (topic: string, tags: string, body: string) => unknown;
}

export const ons = require('ali-ons') as AliOns;

const quiet = { info: (): void => undefined, warn: (): void => undefined, error: (): void => undefined, debug: (): void => undefined };

export function aliCommon(nameSrv: string): Record<string, unknown> {
  return { httpclient: { request: (): void => undefined }, nameSrv: nameSrv.split(';'), logger: quiet };
}

/** Errors ali-ons reports as events (a retry it was told to do counts as one); kept for the assertions. */
export function collectErrors(target: { on(event: 'error', fn: (err: Error) => void): void }, into: Error[]): void {
  target.on('error', (err) => into.push(err));
}

/** An ali-ons producer against `namesrvAddr`, ready, its error events collected into `errors`. */
export async function readyAliProducer(namesrvAddr: string, options: Record<string, unknown>, errors: Error[]): Promise<AliProducer> {
  const producer = new ons.Producer({ ...aliCommon(namesrvAddr), ...options });
  collectErrors(producer, errors);
  await producer.ready();
  return producer;
}

/** Closes the producer, the default producer ali-ons may have made for consumers, then the cluster. */
export async function closeAli(producer: AliProducer, cluster: { shutdown(): Promise<void> }): Promise<void> {
  await producer.close();
  await ons.Producer.defaultProducer?.close();
  await cluster.shutdown();
}
