import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchBuffers, MIN_POOLED } from '../src/batch-buffers.js';

test('batch buffers: the smallest power-of-two slab that holds a frame, reused once handed back, a couple per size', () => {
  const pool = new BatchBuffers(1024 * 1024);
  assert.equal(pool.take(MIN_POOLED - 1), undefined, 'small frames are not pooled');
  assert.equal(pool.take(1024 * 1024 + 1), undefined, 'nor frames over the limit');
  const a = pool.take(600 * 1024);
  const b = pool.take(70 * 1024);
  assert.ok(a !== undefined && b !== undefined);
  assert.equal(a.length, 1024 * 1024);
  assert.equal(b.length, 128 * 1024, 'at most twice the frame');
  assert.equal(pool.take(MIN_POOLED)?.length, MIN_POOLED);
  // Not handed back yet: another take is a new slab.
  const c = pool.take(600 * 1024);
  assert.ok(c !== undefined && c !== a);
  pool.give(a);
  pool.give(a);
  assert.equal(pool.free, 1, 'a slab handed back twice is kept once');
  assert.equal(pool.take(513 * 1024), a);
  assert.notEqual(pool.take(100 * 1024), a, 'a slab serves its own size only');
  pool.give(Buffer.alloc(100 * 1024));
  assert.equal(pool.free, 0, 'a buffer that is not a slab size is not kept');
  const many = Array.from({ length: 5 }, () => pool.take(200 * 1024) as Buffer);
  for (const s of many) pool.give(s);
  assert.equal(pool.free, 2);
});
