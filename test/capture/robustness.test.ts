// Cut and corrupted inputs never throw past the header check, and records
// that straddle chunk boundaries or outgrow a chunk are read whole.

import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/index.js';
import { CHUNK_SIZE } from '../../src/capture/chunked.js';
import { crafted, readBytes } from './read.js';

const formatFiles = readdirSync(crafted('formats')).filter((f) => !f.startsWith('reject-'));

/** Reads bytes; returns the frame count or the CaptureFormatError, and lets any other error fail the test. */
async function readOrReject(bytes: Uint8Array): Promise<number | CaptureFormatError> {
  try {
    const { frames } = await readBytes(bytes);
    return frames.length;
  } catch (err) {
    if (err instanceof CaptureFormatError) return err;
    throw err;
  }
}

describe('capture readers on cut input', () => {
  for (const file of formatFiles) {
    it(`reads every prefix of ${file}`, async () => {
      const whole = readFileSync(crafted(`formats/${file}`));
      const compressed = whole[0] === 0x1f && whole[1] === 0x8b;
      for (let length = 0; length <= whole.length; length++) {
        const result = await readOrReject(whole.subarray(0, length));
        // Below four bytes no magic can be recognised; a gzip prefix may hold too little to name its content.
        if (length >= 4 && !compressed) expect(result, `prefix of ${length} bytes`).toBeTypeOf('number');
      }
    });
  }

  it('reads corrupted bytes without throwing', async () => {
    const seeds = ['pcap-le-usec.pcap', 'pcap-be-nsec.pcap', 'pcapng-two-sections.pcapng', 'pcapng-simple-packets.pcapng', 'pcapng-be.pcapng.gz', 'pcapng-unknown-blocks.pcapng'].map((f) => readFileSync(crafted(`formats/${f}`)));
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: seeds.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }), async (which, flips) => {
        const bytes = Uint8Array.from(seeds[which]!);
        for (const [at, value] of flips) bytes[4 + (at % (bytes.length - 4))] = value;
        await readOrReject(bytes);
      }),
      { numRuns: 300 },
    );
  });
});

/** Builds a little-endian microsecond pcap whose record i carries `sizes[i]` bytes, each byte (i + j) & 0xff. */
function pcapWithSizes(sizes: number[]): Buffer {
  const total = 24 + sizes.reduce((n, s) => n + 16 + s, 0);
  const b = Buffer.alloc(total);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(0x7fffffff, 16);
  b.writeUInt32LE(1, 20);
  let p = 24;
  for (const [i, size] of sizes.entries()) {
    b.writeUInt32LE(1_700_000_000 + i, p);
    b.writeUInt32LE(i % 1_000_000, p + 4);
    b.writeUInt32LE(size, p + 8);
    b.writeUInt32LE(size, p + 12);
    for (let j = 0; j < size; j++) b[p + 16 + j] = (i + j) & 0xff;
    p += 16 + size;
  }
  return b;
}

function expectRecordsIntact(frames: { frame: number; length: number; data: Uint8Array }[], sizes: number[]): void {
  expect(frames.map((f) => f.length)).toEqual(sizes);
  for (const [i, f] of frames.entries()) {
    const wrong = f.data.findIndex((v, j) => v !== ((i + j) & 0xff));
    expect(wrong, `frame ${i + 1} byte ${wrong}`).toBe(-1);
  }
}

describe('capture chunk boundaries', () => {
  it('reads records that straddle chunks', async () => {
    const sizes = Array.from({ length: 30_000 }, (_, i) => 60 + ((i * 7919) % 1400));
    const { frames, source } = await readBytes(pcapWithSizes(sizes));
    expect(source.problems).toEqual([]);
    expectRecordsIntact(frames, sizes);
  });

  it('grows for a record larger than a chunk', async () => {
    const sizes = [100, CHUNK_SIZE + 12_345, 200, 2 * CHUNK_SIZE + 1, 300];
    const { frames, source } = await readBytes(pcapWithSizes(sizes));
    expect(source.problems).toEqual([]);
    expectRecordsIntact(frames, sizes);
  });

  it('reads a large gzip stream', async () => {
    const sizes = Array.from({ length: 12_000 }, (_, i) => 60 + ((i * 104_729) % 1400));
    const { frames, source } = await readBytes(gzipSync(pcapWithSizes(sizes), { level: 1 }));
    expect(source.problems).toEqual([]);
    expectRecordsIntact(frames, sizes);
  });

  it('reports a large record cut short without reading past the end', async () => {
    const whole = pcapWithSizes([100, 3 * CHUNK_SIZE]);
    const { frames, source } = await readBytes(whole.subarray(0, whole.length - 1));
    expect(frames).toHaveLength(1);
    expect(source.problems).toEqual([{ frame: 2, layer: 'pcap', reason: `record 2 data cut short (${3 * CHUNK_SIZE - 1} of ${3 * CHUNK_SIZE} bytes)`, cause: 'truncated', offset: 140 }]);
  });
});
