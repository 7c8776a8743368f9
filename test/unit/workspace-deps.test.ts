// Keeps the dependency direction of DESIGN.md: every import of a @contrail package from
// a workspace's sources must be one that workspace is allowed to depend on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../../..', import.meta.url).pathname;

const allowed: Record<string, readonly string[]> = {
  'packages/common': [],
  'packages/remoting': ['common'],
  'packages/store': ['common'],
  'packages/namesrv': ['common', 'remoting'],
  'packages/broker': ['common', 'remoting', 'store'],
  'packages/client': ['common', 'remoting'],
  'packages/admin': ['common', 'remoting', 'client'],
  'packages/testkit': ['common', 'remoting', 'store', 'namesrv', 'broker', 'client', 'admin'],
  'apps/dashboard': ['common', 'client', 'admin'],
  'apps/cli': ['common', 'remoting', 'store', 'namesrv', 'broker', 'client', 'admin', 'dashboard'],
};

function sources(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

test('workspace imports follow the dependency direction', () => {
  const violations: string[] = [];
  for (const [ws, deps] of Object.entries(allowed)) {
    const pkg = JSON.parse(readFileSync(join(root, ws, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) {
      if (dep.startsWith('@contrail/') && !deps.includes(dep.slice('@contrail/'.length))) {
        violations.push(`${ws}/package.json depends on ${dep}`);
      }
    }
    for (const file of sources(join(root, ws, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/from\s+'@contrail\/([a-z-]+)/g)) {
        const target = m[1] ?? '';
        if (!deps.includes(target)) violations.push(`${file.slice(root.length)} imports @contrail/${target}`);
      }
      // Relative imports must not reach into another workspace.
      for (const m of text.matchAll(/from\s+'(\.\.\/[^']*)'/g)) {
        if ((m[1] ?? '').includes('../../')) {
          const depth = (m[1] ?? '').split('/').filter((s) => s === '..').length;
          const inside = file.slice(join(root, ws).length + 1).split('/').length - 1;
          if (depth > inside) violations.push(`${file.slice(root.length)} reaches outside its workspace: ${m[1]}`);
        }
      }
    }
  }
  assert.deepEqual(violations, []);
});
