// Failures the core reports: a ContrailError whose code is the answer's code on any door.
import { ContrailError, type ErrorCode } from '@contrail/common';

export function fail(code: ErrorCode, message: string): never {
  throw new ContrailError(code, message);
}
