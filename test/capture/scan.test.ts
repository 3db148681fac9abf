// The readers' scan API against next(): the same records, numbers, times,
// bytes, capture facts and problems, for every crafted format file and for
// records that straddle, outgrow or cut short the read-ahead buffers.

import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE } from '../../src/capture/chunked.js';
import { HEAD_LENGTH } from '../../src/capture/detect.js';
import { openCaptureBytes } from '../../src/capture/index.js';
import { type ByteInput, memoryInput, readHead } from '../../src/capture/input.js';
import { PcapReader } from '../../src/capture/pcap.js';
import type { CaptureSource, RecordVisitor } from '../../src/capture/types.js';
import { crafted, readBytes, type ReadFrame } from './read.js';

/**
 * How scanBytes reads: as a file (synchronous reads), as a stream (reads
 * ahead into the other buffer), or as a pipe (a stream whose reads return
 * what has arrived rather than filling the buffer).
 */
type Source = 'file' | 'stream' | 'pipe';

async function openAs(bytes: Uint8Array, as: Source): Promise<CaptureSource> {
  if (as === 'file') return openCaptureBytes(bytes, 'memory.pcap', 0);
  const memory = memoryInput(bytes);
  const input: ByteInput = {
    failure: null,
    interactive: as === 'pipe',
    size: null,
    // A pipe hands over at most 64 KiB per read, as Linux pipes do.
    read: (into, offset, length) => memory.read(into, offset, as === 'pipe' ? Math.min(length, 65_536) : length),
    close: () => memory.close(),
  };
  const head = await readHead(input, HEAD_LENGTH);
  return new PcapReader(input, head, 0, 'memory.pcap', false);
}

/** Reads bytes through scan(), copying every record the way read.ts copies frames. */
async function scanBytes(bytes: Uint8Array, as: Source = 'file'): Promise<{ source: CaptureSource; frames: ReadFrame[] }> {
  const source = await openAs(bytes, as);
  const frames: ReadFrame[] = [];
  const visitor: RecordVisitor = {
    record(buf, start, caplen, origLength, sec, nsec, digits, frame, linkType) {
      frames.push({
        input: 0,
        frame,
        epoch: `${sec}.${String(nsec).padStart(9, '0')}`,
        digits,
        linkType,
        length: caplen,
        origLength,
        data: buf.slice(start, start + caplen),
      });
    },
  };
  for (let more = true; more; ) more = await source.scan!(visitor);
  await source.close();
  return { source, frames };
}

/** Describes each frame in one line with every number and the bytes as hex, so that thousands of frames compare in one assertion. */
function describeFrames(frames: ReadFrame[]): string[] {
  return frames.map((f) => `${f.input} ${f.frame} ${f.epoch} ${f.digits} ${f.linkType} ${f.length} ${f.origLength} ${Buffer.from(f.data).toString('hex')}`);
}

/** Reads bytes with next() and with scan() and expects the same outcome. */
async function expectSameAsNext(bytes: Uint8Array, as: Source = 'file'): Promise<ReadFrame[]> {
  const viaNext = await readBytes(bytes);
  const viaScan = await scanBytes(bytes, as);
  expect(describeFrames(viaScan.frames)).toEqual(describeFrames(viaNext.frames));
  expect(viaScan.source.info).toEqual(viaNext.source.info);
  expect(viaScan.source.problems).toEqual(viaNext.source.problems);
  return viaScan.frames;
}

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

const formatFiles = readdirSync(crafted('formats')).filter((f) => !f.startsWith('reject-') && !f.endsWith('.txt'));
const decodeFiles = readdirSync(crafted('decode'));

describe('capture scan', () => {
  for (const file of formatFiles) {
    it(`scan reads ${file} as next does`, async () => {
      await expectSameAsNext(readFileSync(crafted(`formats/${file}`)));
    });
  }

  it('scan reads the decode captures as next does', async () => {
    for (const file of decodeFiles) await expectSameAsNext(readFileSync(crafted(`decode/${file}`)));
  });

  for (const as of ['file', 'stream', 'pipe'] as const) {
    it(`scan reads records that straddle buffers of a ${as}`, async () => {
      const sizes = Array.from({ length: 30_000 }, (_, i) => 60 + ((i * 7919) % 1400));
      const frames = await expectSameAsNext(pcapWithSizes(sizes), as);
      expect(frames).toHaveLength(sizes.length);
    });

    it(`scan grows for a record larger than a chunk of a ${as}`, async () => {
      const sizes = [100, ...Array.from({ length: 4000 }, (_, i) => 500 + i), CHUNK_SIZE + 12_345, 200, 2 * CHUNK_SIZE + 1, 300];
      const frames = await expectSameAsNext(pcapWithSizes(sizes), as);
      expect(frames.map((f) => f.length)).toEqual(sizes);
    });
  }

  it('scan joins a tail longer than the read-ahead room', async () => {
    // A buffer end near the start of a 300,000-byte record leaves a tail
    // longer than the 256 KiB kept free in front of a read ahead. The
    // leading record moves where the buffer ends fall.
    for (const lead of [100, 60_000, 120_000, 180_000, 240_000]) {
      const sizes = [lead, ...Array.from({ length: 30 }, () => 300_000)];
      const frames = await expectSameAsNext(pcapWithSizes(sizes), 'stream');
      expect(frames.map((f) => f.length)).toEqual(sizes);
    }
  });

  it('scan reads a large gzip stream', async () => {
    const sizes = Array.from({ length: 12_000 }, (_, i) => 60 + ((i * 104_729) % 1400));
    const frames = await expectSameAsNext(gzipSync(pcapWithSizes(sizes), { level: 1 }));
    expect(frames).toHaveLength(sizes.length);
  });

  for (const as of ['file', 'stream'] as const) {
    it(`scan reports a large record cut short in a ${as}`, async () => {
      const whole = pcapWithSizes([...Array.from({ length: 5000 }, () => 1000), 3 * CHUNK_SIZE]);
      const { source } = await scanBytes(whole.subarray(0, whole.length - 1), as);
      expect(source.problems).toEqual([{ frame: 5001, layer: 'pcap', reason: `record 5001 data cut short (${3 * CHUNK_SIZE - 1} of ${3 * CHUNK_SIZE} bytes)`, cause: 'truncated', offset: 24 + 5000 * 1016 }]);
    });
  }
});
