// A reader for the subset of Java .properties syntax broker.conf files (and the body of a
// broker's GET_BROKER_CONFIG answer) use: `key=value` or `key: value` lines, `#`/`!`
// comments, backslash line continuations.

export interface PropertyLine {
  key: string;
  value: string;
  line: number;
}

export function parseJavaProperties(text: string): PropertyLine[] {
  const out: PropertyLine[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    let line = (lines[i] ?? '').trimStart();
    if (line.length === 0 || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      line = line.slice(0, -1) + (lines[++i] ?? '').trimStart();
    }
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m === null) {
      out.push({ key: line.trim(), value: '', line: lineNo });
      continue;
    }
    out.push({ key: m[1] ?? '', value: (m[2] ?? '').trim(), line: lineNo });
  }
  return out;
}

/** The same text as a key → value map (a later line wins). */
export function javaPropertiesRecord(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of parseJavaProperties(text)) out[p.key] = p.value;
  return out;
}
