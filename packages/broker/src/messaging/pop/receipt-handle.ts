// Receipt handles: which queue entry a delivery was, and which delivery of it. A handle stops
// working once its message is delivered again or its invisible time is changed (a new
// handle is returned then), so a late acknowledgement cannot hide a newer delivery.
export interface ReceiptHandle {
  queueId: number;
  offset: number;
  /** The delivery this handle belongs to. */
  seq: number;
  brokerName: string;
}

const PREFIX = 'c1';

export function encodeReceiptHandle(h: ReceiptHandle): string {
  return `${PREFIX}_${h.queueId}_${h.offset}_${h.seq}_${h.brokerName}`;
}

/** The parsed handle, or undefined when it is not one of ours. */
export function decodeReceiptHandle(text: string): ReceiptHandle | undefined {
  const parts = text.split('_');
  if (parts.length < 5 || parts[0] !== PREFIX) return undefined;
  const [queueId, offset, seq] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![queueId, offset, seq].every((n) => Number.isSafeInteger(n) && n >= 0)) return undefined;
  return { queueId, offset, seq, brokerName: parts.slice(4).join('_') };
}
