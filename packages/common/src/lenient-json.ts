// JSON as RocketMQ's fastjson writes it. Old NameServers serialise HashMap<Long, String> with
// unquoted numeric keys ({0:"127.0.0.1:10911"}), which JSON.parse rejects; quote those keys
// (outside string literals only) and parse again.

export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const fixed = quoteNumericKeys(text);
    if (fixed === text) throw err;
    return JSON.parse(fixed) as unknown;
  }
}

/** Rewrites `{0:` / `,12:` (outside strings) to `{"0":` / `,"12":`. */
export function quoteNumericKeys(text: string): string {
  let out = '';
  let i = 0;
  let last = 0;
  // The previous significant character outside strings: a key may follow only `{` or `,`.
  let prev = '';
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '"') {
      i = skipString(text, i);
      prev = '"';
      continue;
    }
    if ((prev === '{' || prev === ',') && (c === '-' || (c >= '0' && c <= '9'))) {
      let j = i + 1;
      while (j < text.length && (text[j] as string) >= '0' && (text[j] as string) <= '9') j++;
      let k = j;
      while (k < text.length && /\s/.test(text[k] as string)) k++;
      if (text[k] === ':') {
        out += text.slice(last, i) + '"' + text.slice(i, j) + '"';
        last = j;
      }
      prev = 'n';
      i = j;
      continue;
    }
    if (!/\s/.test(c)) prev = c;
    i++;
  }
  return out + text.slice(last);
}

function skipString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return i;
}
