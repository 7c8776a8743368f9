// Reading custom-header fields from a request, with Java's error for a missing required one.

import { ContrailError } from '@contrail/common';
import type { RemotingCommand } from '@contrail/remoting';

/** A required field (Java's @CFNotNull): missing means SYSTEM_ERROR, as Java's header decoding fails. */
export function requireField(request: RemotingCommand, name: string): string {
  const v = request.extFields[name];
  if (v === undefined) throw new ContrailError('SYSTEM_ERROR', `the custom field <${name}> is null`);
  return v;
}

/** A required integer field. */
export function requireInt(request: RemotingCommand, name: string): number {
  const raw = requireField(request, name);
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n)) throw new ContrailError('SYSTEM_ERROR', `the custom field <${name}> is not an integer: ${raw}`);
  return n;
}
