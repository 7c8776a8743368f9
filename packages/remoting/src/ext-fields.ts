// Safe writes into an extFields record: header keys come from the network.

/** Sets `key` as an own property, so that a key named "__proto__" is data, not a prototype. */
export function setExtField(fields: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(fields, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    fields[key] = value;
  }
}
