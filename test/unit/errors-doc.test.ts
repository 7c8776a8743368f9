// docs/errors.md documents every error code with the same wire codes as the table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS } from '@contrail/common';
import { HTTP_ERROR_STATUS } from '@contrail/dashboard';

test('docs/errors.md lists every error code with its wire codes', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const m = /^\| `([A-Z_]+)` \| (yes|no) \| ([0-9—]+) \| (\d+) \|/.exec(line);
    if (m) rows.set(m[1] ?? '', [m[2] ?? '', m[3] ?? '', m[4] ?? '']);
  }
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.deepEqual(
      rows.get(code),
      [spec.retriable ? 'yes' : 'no', spec.remoting === null ? '—' : String(spec.remoting), String(spec.grpc)],
      `docs/errors.md row for ${code}`,
    );
  }
  assert.equal(rows.size, Object.keys(ERRORS).length, 'docs/errors.md documents codes that no longer exist');
});

test('docs/errors.md lists the HTTP error codes with their statuses', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  const rows = new Map<string, number>();
  for (const line of doc.split('\n')) {
    const m = /^\| (\d{3}) \| `([A-Z_]+)` \|/.exec(line);
    if (m) rows.set(m[2] ?? '', Number(m[1]));
  }
  assert.deepEqual(Object.fromEntries(rows), { ...HTTP_ERROR_STATUS });
});
