// Reading a request's extFields. Values arrive as strings (the remoting layer stringifies
// what ali-ons sends as JSON numbers and booleans); a missing required field or a bad
// number is the client's mistake and answered as such, not a crash.
import { ContrailError } from '@contrail/common';

export class RequestHeader {
  readonly #ext: Readonly<Record<string, string>>;

  constructor(ext: Readonly<Record<string, string>>) {
    this.#ext = ext;
  }

  str(name: string): string {
    const v = this.optStr(name);
    if (v === undefined) throw missing(name);
    return v;
  }

  optStr(name: string): string | undefined {
    return Object.hasOwn(this.#ext, name) ? this.#ext[name] : undefined;
  }

  int(name: string): number {
    const v = this.optInt(name);
    if (v === undefined) throw missing(name);
    return v;
  }

  optInt(name: string): number | undefined {
    const s = this.optStr(name);
    if (s === undefined || s.trim().length === 0 || s === 'null') return undefined;
    const n = Number(s);
    if (!Number.isSafeInteger(n)) throw new ContrailError('SYSTEM_ERROR', `the request field ${name} is not an integer: ${JSON.stringify(s)}`);
    return n;
  }

  /** An int64 field that may exceed 2^53 (Java sends Long.MAX_VALUE as "no end"); clamped. */
  optLong(name: string): number | undefined {
    const s = this.optStr(name)?.trim();
    if (s === undefined || s.length === 0 || s === 'null') return undefined;
    if (!/^-?\d+$/.test(s)) throw new ContrailError('SYSTEM_ERROR', `the request field ${name} is not an integer: ${JSON.stringify(s)}`);
    const n = Number(s);
    return Math.max(Number.MIN_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
  }

  bool(name: string, fallback = false): boolean {
    const s = this.optStr(name);
    if (s === undefined) return fallback;
    return s === 'true';
  }

  /** The first field present among V2's short name and V1's long name. */
  pick(short: string, long: string): string | undefined {
    return this.optStr(short) ?? this.optStr(long);
  }
}

function missing(name: string): ContrailError {
  return new ContrailError('SYSTEM_ERROR', `the custom field <${name}> is null`);
}
