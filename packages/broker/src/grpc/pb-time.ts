// google.protobuf.Timestamp / Duration <-> milliseconds. Outgoing values are whole integers:
// a fractional or NaN int64 fails serialization and kills the client's stream.
import type { PbDuration, PbTimestamp } from './proto-types.js';

export function toMillis(d: PbDuration | undefined): number | undefined {
  if (d === undefined || d === null) return undefined;
  const s = Number(d.seconds ?? 0);
  const n = Number(d.nanos ?? 0);
  if (!Number.isFinite(s) || !Number.isFinite(n)) return undefined;
  return s * 1000 + Math.floor(n / 1e6);
}

export function fromMillis(ms: number): PbTimestamp {
  const t = Math.max(0, Math.floor(Number.isFinite(ms) ? ms : 0));
  return { seconds: Math.floor(t / 1000), nanos: (t % 1000) * 1e6 };
}

export const durationOf = fromMillis;
