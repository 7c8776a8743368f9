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

export function decodeProperties(text: string): Properties {
  const props: Properties = {};
  if (text.length === 0) return props;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(SEPARATOR, start);
    if (end < 0) end = text.length;
    const sep = text.indexOf(NAME_VALUE, start);
    if (sep > start && sep < end - 1) props[text.slice(start, sep)] = text.slice(sep + 1, end);
    start = end + 1;
  }
  return props;
}
