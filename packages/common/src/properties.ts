// The message property string: entries `name \u0001 value` separated by `\u0002`.
// Decoding is tolerant the way Java's is: a trailing separator is fine, entries with an
// empty key or value are dropped, later duplicates win.

export type Properties = Record<string, string>;

const NAME_VALUE = '\u0001';
const SEPARATOR = '\u0002';

export function encodeProperties(props: Readonly<Properties>): string {
  let out = '';
  for (const key in props) {
    const value = props[key];
    if (value === undefined || key.length === 0) continue;
    if (out.length > 0) out += SEPARATOR;
    out += key + NAME_VALUE + value;
  }
  return out;
}

/** The properties of `text`; `omit` names one property to leave out. */
export function decodeProperties(text: string, omit?: string): Properties {
  const props: Properties = {};
  if (text.length === 0) return props;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(SEPARATOR, start);
    if (end < 0) end = text.length;
    const sep = text.indexOf(NAME_VALUE, start);
    if (sep > start && sep < end - 1) {
      const key = text.slice(start, sep);
      if (key !== omit) props[key] = text.slice(sep + 1, end);
    }
    start = end + 1;
  }
  return props;
}

/**
 * One property straight from the encoded string, with decodeProperties' rules (the last
 * non-empty occurrence wins), without building the whole map: the store reads TAGS, KEYS
 * and UNIQ_KEY of every message it appends.
 */
export function findProperty(text: string, name: string): string | undefined {
  const needle = name + NAME_VALUE;
  let found: string | undefined;
  let from = 0;
  for (;;) {
    const at = text.indexOf(needle, from);
    if (at < 0) return found;
    from = at + needle.length;
    if (at !== 0 && text.charCodeAt(at - 1) !== 2) continue;
    let end = text.indexOf(SEPARATOR, from);
    if (end < 0) end = text.length;
    if (end > from) found = text.slice(from, end);
    from = end;
  }
}
