// Parsing and checking of command-line values: every bad value is a one-line CONFIG_INVALID error.
import { InvalidArgumentError } from 'commander';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError(`not a port number (0-65535): ${value}`);
  }
  return n;
}

export function parseHost(value: string): string {
  if (!/^[A-Za-z0-9.:_-]+$/.test(value)) throw new InvalidArgumentError(`not a host name or address: ${value}`);
  return value;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n <= 0) throw new InvalidArgumentError(`not a positive integer: ${value}`);
  return n;
}
