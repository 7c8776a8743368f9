// Whether a record found through the index really carries the key: the index stores only
// a hash of `topic#key`, so every candidate is checked against the record itself.
import { Prop, type StoredMessage } from '@contrail/common';

export function matchesKey(m: StoredMessage, topic: string, key: string, begin: number, end: number): boolean {
  if (m.topic !== topic || m.storeTimestamp < begin || m.storeTimestamp > end) return false;
  if (m.properties[Prop.UNIQ_KEY] === key) return true;
  const keys = m.properties[Prop.KEYS];
  return keys !== undefined && keys.split(' ').includes(key);
}
