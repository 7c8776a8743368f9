// Builds the store's optional native helper (page-cache drop-behind, see src/page-cache.ts) at
// install time. It never fails the install: without a compiler, or off Linux, the store runs
// without the helper and says so in docs/storage.md.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
if (process.platform !== 'linux') process.exit(0);
// npm passes its bundled node-gyp to lifecycle scripts; elsewhere try one on the PATH.
const gyp = process.env.npm_config_node_gyp;
const [cmd, args] = gyp ? [process.execPath, [gyp, 'rebuild']] : ['node-gyp', ['rebuild']];
const r = spawnSync(cmd, args, { cwd: here, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (r.status !== 0) {
  const why = r.error ? r.error.message : (r.stderr || r.stdout || '').trim().split('\n').filter((l) => /ERR!/.test(l)).slice(0, 3).join('; ');
  process.stderr.write(`@contrail/store: native helper not built (${why || `exit ${r.status}`}); the store runs without page-cache drop-behind\n`);
}
