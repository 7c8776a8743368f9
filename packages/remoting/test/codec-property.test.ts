import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ContrailError } from '@contrail/common';
import { FrameDecoder, SerializeType, decodeFrame, encodeFrame, type RemotingCommand } from '../src/index.js';
import { fuzzParameters } from './fuzz-budget.js';

const LANGUAGES = ['JAVA', 'CPP', 'DOTNET', 'PYTHON', 'GO', 'RUST', 'OTHER'];
const text = fc.string({ unit: 'grapheme', maxLength: 40 });

function commandArb(serializeType: SerializeType): fc.Arbitrary<RemotingCommand> {
  return fc.record({
    code: fc.integer({ min: -32768, max: 32767 }),
    language: fc.constantFrom(...LANGUAGES),
    version: fc.integer({ min: -32768, max: 32767 }),
    opaque: fc.integer(),
    flag: fc.integer(),
    // The binary form cannot tell an empty remark from none, so remarks are non-empty.
    remark: fc.option(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }), { nil: undefined }),
    extFields: fc.array(fc.tuple(text, text), { maxLength: 12 }).map((entries) => Object.fromEntries(entries)),
    body: fc.option(fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)), { nil: undefined }),
    serializeType: fc.constant(serializeType),
  }).map((cmd) => ({ ...cmd })); // fc.record may build null-prototype objects; decoded ones are plain
}

const anyCommand = fc.oneof(commandArb(SerializeType.JSON), commandArb(SerializeType.ROCKETMQ));

for (const [name, type] of [['JSON', SerializeType.JSON], ['ROCKETMQ', SerializeType.ROCKETMQ]] as const) {
  test(`${name} frames round-trip`, () => {
    fc.assert(
      fc.property(commandArb(type), (cmd) => {
        assert.deepEqual(decodeFrame(encodeFrame(cmd)), cmd);
      }),
      fuzzParameters(),
    );
  });
}

test('a stream of frames split at arbitrary boundaries decodes to the same commands', () => {
  fc.assert(
    fc.property(
      fc.array(anyCommand, { minLength: 1, maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 20 }),
      (cmds, cutSeeds) => {
        const stream = Buffer.concat(cmds.map((c) => encodeFrame(c)));
        const cuts = [...new Set(cutSeeds.map((s) => s % (stream.length + 1)))].sort((a, b) => a - b);
        const got: RemotingCommand[] = [];
        const decoder = new FrameDecoder((c) => got.push(c));
        let from = 0;
        for (const cut of [...cuts, stream.length]) {
          decoder.push(stream.subarray(from, cut));
          from = cut;
        }
        assert.deepEqual(got, cmds);
        assert.equal(decoder.bufferedBytes, 0);
      },
    ),
    fuzzParameters(),
  );
});

/** Random bytes, and frames with a plausible prefix around random header bytes. */
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
  fc
    .tuple(fc.constantFrom(0, 1, 2, 255), fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 50 }))
    .map(([type, header, body]) => {
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32BE(4 + header.length + body.length, 0);
      prefix.writeUInt32BE(((type << 24) | header.length) >>> 0, 4);
      return Buffer.concat([prefix, header, body]);
    }),
  fc.tuple(anyCommand, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([cmd, at, byte]) => {
    // A valid frame with one byte changed.
    const frame = Buffer.from(encodeFrame(cmd));
    frame[at % frame.length] = byte;
    return frame;
  }),
);

test('garbage bytes give commands or a typed error, never a crash', () => {
  fc.assert(
    fc.property(fc.array(garbage, { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 10 }), (parts, cutSeeds) => {
      const stream = Buffer.concat(parts);
      const cuts = [...new Set(cutSeeds.map((s) => s % (stream.length + 1)))].sort((a, b) => a - b);
      const decoder = new FrameDecoder(() => undefined);
      let from = 0;
      try {
        for (const cut of [...cuts, stream.length]) {
          decoder.push(stream.subarray(from, cut));
          from = cut;
        }
      } catch (err) {
        assert.ok(err instanceof ContrailError, `untyped error: ${String(err)}`);
        assert.ok(err.code === 'FRAME_MALFORMED' || err.code === 'FRAME_TOO_LARGE', err.code);
      }
    }),
    fuzzParameters(),
  );
});
