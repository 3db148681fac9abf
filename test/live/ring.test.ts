// The ring of pcapng files behind `spitrace live --write`: size and count
// limits, and the mapping from a live frame number to (file, frame in file).
// Files are read back with spitrace's own reader and, when installed, tshark.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/capture/index.js';
import { RingWriter } from '../../src/capture/ring.js';
import { pcapngEnhancedPacket, pcapngInterface, pcapngSectionHeader } from '../../src/capture/writer.js';
import type { CapturedFrame, FrameNumber } from '../../src/types.js';

let dir = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'spitrace-ring-test-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Builds a 100-byte frame whose first two bytes are its number, at a microsecond time. */
function frame(n: number): CapturedFrame {
  const data = new Uint8Array(100);
  data[0] = n >> 8;
  data[1] = n & 0xff;
  return { input: 0, frame: n as FrameNumber, time: { sec: 1_767_225_600 + n, nsec: 250_000, digits: 6 }, linkType: 1, data, origLength: 100 };
}

function ring(fileBytes: number, files: number): RingWriter {
  let second = 0;
  // A clock that moves on a second per call gives each file its own stamp.
  const now = () => new Date(Date.UTC(2026, 0, 1, 0, 0, second++));
  return new RingWriter({ dir, prefix: 'spitrace-eth0', fileBytes, files, linkType: 1, interfaceName: 'eth0', comment: 'test ring', now });
}

async function readFrames(path: string): Promise<CapturedFrame[]> {
  const source = await openCapture(path, 0);
  const frames: CapturedFrame[] = [];
  try {
    for (;;) {
      const batch = await source.next();
      if (batch === null) break;
      for (const f of batch) frames.push({ ...f, data: f.data.slice() });
    }
  } finally {
    await source.close();
  }
  return frames;
}

describe('ring of pcapng files', () => {
  it('writes frames spitrace reads back', async () => {
    const writer = ring(1 << 20, 4);
    for (let n = 1; n <= 3; n++) writer.write(frame(n));
    writer.close();
    const back = await readFrames(join(dir, writer.files[0]!));
    expect(back.map((f) => (f.data[0]! << 8) | f.data[1]!)).toEqual([1, 2, 3]);
  });

  it('writes the blocks of the pcapng writer', () => {
    const writer = ring(1 << 20, 4);
    // 7 bytes, so the block needs padding.
    const odd: CapturedFrame = { ...frame(1), data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7), origLength: 60 };
    writer.write(odd);
    writer.close();
    const expected = Buffer.concat([
      pcapngSectionHeader('test ring'),
      pcapngInterface(1, 6, 'eth0'),
      pcapngEnhancedPacket(0, odd.time, odd.data, 60, 6),
    ]);
    expect(readFileSync(join(dir, writer.files[0]!)).equals(expected)).toBe(true);
  });

  it('writes nanosecond blocks like the pcapng writer', () => {
    const writer = new RingWriter({ dir, prefix: 'ns', fileBytes: 1 << 20, files: 2, linkType: 1, interfaceName: 'eth0', tsresol: 9, now: () => new Date(Date.UTC(2026, 0, 1)) });
    const f: CapturedFrame = { ...frame(2), time: { sec: 1_767_225_602, nsec: 123_456_789, digits: 9 } };
    writer.write(f);
    writer.close();
    const bytes = readFileSync(join(dir, writer.files[0]!));
    const block = pcapngEnhancedPacket(0, f.time, f.data, f.origLength, 9);
    expect(bytes.subarray(bytes.length - block.length).equals(Buffer.from(block))).toBe(true);
  });

  it('keeps microsecond times', async () => {
    const writer = ring(1 << 20, 4);
    writer.write(frame(7));
    writer.close();
    const [back] = await readFrames(join(dir, writer.files[0]!));
    expect(back!.time).toEqual({ sec: 1_767_225_607, nsec: 250_000, digits: 6 });
  });

  it('starts a new file at the size limit', () => {
    // The section and interface blocks take 88 bytes and each 100-byte frame 132, so two frames fit in 400 bytes.
    const writer = ring(400, 10);
    for (let n = 1; n <= 5; n++) writer.write(frame(n));
    writer.close();
    expect(writer.files).toHaveLength(3);
  });

  it('names files by prefix, sequence and time', () => {
    const writer = ring(400, 10);
    for (let n = 1; n <= 3; n++) writer.write(frame(n));
    writer.close();
    expect(writer.files).toEqual(['spitrace-eth0-00001-20260101T000000Z.pcapng', 'spitrace-eth0-00002-20260101T000001Z.pcapng']);
  });

  it('deletes the oldest file past the count limit', () => {
    const writer = ring(400, 2);
    for (let n = 1; n <= 7; n++) writer.write(frame(n));
    writer.close();
    expect(readdirSync(dir).sort()).toEqual(writer.files);
  });

  it('keeps no more files than the count limit', () => {
    const writer = ring(400, 2);
    for (let n = 1; n <= 7; n++) writer.write(frame(n));
    writer.close();
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it('locates a frame in its file', () => {
    const writer = ring(400, 10);
    for (let n = 1; n <= 5; n++) writer.write(frame(n));
    expect(writer.locate(4)).toEqual({ file: 'spitrace-eth0-00002-20260101T000001Z.pcapng', frame: 2 });
  });

  it('locates nothing in a deleted file', () => {
    const writer = ring(400, 2);
    for (let n = 1; n <= 7; n++) writer.write(frame(n));
    expect(writer.locate(1)).toBeNull();
  });

  it('locates the frame whose bytes the file holds', async () => {
    const writer = ring(400, 3);
    for (let n = 1; n <= 7; n++) writer.write(frame(n));
    writer.close();
    const where = writer.locate(6)!;
    const back = await readFrames(join(dir, where.file));
    const bytes = back[where.frame - 1]!.data;
    expect((bytes[0]! << 8) | bytes[1]!).toBe(6);
  });

  it('gives a frame above the size limit a file of its own', () => {
    const writer = ring(150, 10);
    writer.write(frame(1));
    writer.write(frame(2));
    writer.close();
    expect(writer.files).toHaveLength(2);
  });

  it('flushes so the current file can be read while writing', async () => {
    const writer = ring(1 << 20, 4);
    writer.write(frame(1));
    writer.write(frame(2));
    writer.flush();
    const back = await readFrames(join(dir, writer.files[0]!));
    writer.close();
    expect(back).toHaveLength(2);
  });

  it('replaces characters that do not belong in file names', () => {
    const writer = new RingWriter({ dir, prefix: 'spitrace-eth0:1/x', fileBytes: 1 << 20, files: 2, linkType: 1, interfaceName: 'eth0:1', now: () => new Date(Date.UTC(2026, 0, 1)) });
    writer.write(frame(1));
    writer.close();
    expect(writer.files).toEqual(['spitrace-eth0_1_x-00001-20260101T000000Z.pcapng']);
  });

  it('rejects a size limit of zero', () => {
    expect(() => ring(0, 2)).toThrow(RangeError);
  });
});

const TSHARK = existsSync('/usr/bin/tshark');

describe.skipIf(!TSHARK)('ring files in tshark 4.0', () => {
  it('shows every frame with its interface name', () => {
    const writer = ring(1 << 20, 2);
    for (let n = 1; n <= 3; n++) writer.write(frame(n));
    writer.close();
    const result = spawnSync('/usr/bin/tshark', ['-r', join(dir, writer.files[0]!), '-T', 'fields', '-e', 'frame.number', '-e', 'frame.interface_name'], { encoding: 'utf8' });
    expect(result.stdout.trim().split('\n')).toEqual(['1\teth0', '2\teth0', '3\teth0']);
  });
});
