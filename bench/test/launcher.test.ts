import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launcherFlags } from '../src/servers.js';

test('the bench starts Contrail with the node flags of the CLI launcher line', () => {
  const flags = launcherFlags();
  assert.ok(flags.length > 0);
  assert.ok(flags.every((f) => f.startsWith('--')), flags.join(' '));
  assert.ok(flags.includes('--incremental-marking-soft-trigger=80'), flags.join(' '));
});
