// The verify window recorded in checkpoints: where a start after a crash begins checking the
// commit log (verify-window.ts), and its place in the checkpoint file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeCheckpointFile } from '../src/index.js';
import { StoreCheckpoint } from '../src/store-checkpoint.js';
import { VerifyWindow } from '../src/verify-window.js';
import { tempDir } from './helpers.js';

test('verifyFrom survives in the checkpoint file; a slot written without it loads without it', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const file = join(dir, 'checkpoint');
    const data = { physicMsgTimestamp: 1, logicsMsgTimestamp: 2, indexMsgTimestamp: 3, physicOffset: 900, logicsOffset: 800, indexOffset: 700 };
    await writeCheckpointFile(file, { ...data, verifyFrom: 123 });
    const a = new StoreCheckpoint(file);
    assert.deepEqual(await a.load(), { ...data, verifyFrom: 123 });
    await a.close();
    await writeCheckpointFile(file, data);
    const b = new StoreCheckpoint(file);
    assert.deepEqual(await b.load(), data);
    await b.close();
  } finally {
    await cleanup();
  }
});

test('the verify window starts at the newest checkpointed offset at least its size below the current one', () => {
  const w = new VerifyWindow(100, 10);
  assert.equal(w.advance(50), 10);
  assert.equal(w.advance(109), 10, '109 - 100 = 9: 10 is not that far below yet, nothing newer is');
  assert.equal(w.advance(150), 50);
  assert.equal(w.advance(150), 50, 'the same offset again changes nothing');
  assert.equal(w.advance(400), 150);
});

test('under light load the verify window keeps moving, about its size wide, with a bounded number of marks', () => {
  const MiB = 1024 * 1024;
  for (const step of [0.5 * MiB, 1 * MiB, 3 * MiB]) {
    const w = new VerifyWindow(64 * MiB, 0);
    let oldest = 0;
    for (let i = 0; i < 20_000; i++) w.advance((oldest += step));
    const width = oldest - w.from;
    assert.ok(width >= 64 * MiB && width <= 64 * MiB + 2 * MiB + step, `step ${step}: width ${width / MiB} MiB`);
    assert.ok((w as unknown as { marks: number[] }).marks.length <= 34, 'marks stay few');
  }
});
