// The message an application sends.
import type { Properties } from './properties.js';
import { Prop } from './message-const.js';

export interface Message {
  topic: string;
  body: Buffer;
  /** An application-defined int stored with the message. */
  flag?: number;
  tags?: string;
  /** Keys indexed for query by key. */
  keys?: string | readonly string[];
  properties?: Properties;
}

/** The full property set of a message, with TAGS and KEYS folded in. */
export function messageProperties(m: Pick<Message, 'properties' | 'tags' | 'keys'>): Properties {
  const props: Properties = { ...(m.properties ?? {}) };
  if (m.tags !== undefined && m.tags.length > 0) props[Prop.TAGS] = m.tags;
  if (m.keys !== undefined) {
    const keys = typeof m.keys === 'string' ? m.keys : m.keys.join(' ');
    if (keys.length > 0) props[Prop.KEYS] = keys;
  }
  return props;
}
