import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchBuffers } from '../src/batch-buffers.js';

test('batch buffers: slabs are reused once handed back, a few at most, and frames too large are not pooled', () => {
  const pool = new BatchBuffers(1024);
  assert.equal(pool.take(1025), undefined);
  const a = pool.take(1024);
  const b = pool.take(10);
  assert.ok(a !== undefined && b !== undefined && a !== b);
  assert.equal(a.length, 1024);
  // Not handed back yet: a third take is a new slab.
  const c = pool.take(500);
  assert.ok(c !== a && c !== b);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, 'a slab handed back twice is kept once');
  assert.equal(pool.take(700), a);
  pool.give(Buffer.alloc(100));
  assert.equal(pool.free, 0, 'a buffer of another size is not kept');
  const many = Array.from({ length: 10 }, () => pool.take(1) as Buffer);
  for (const s of many) pool.give(s);
  assert.equal(pool.free, 4);
});
