// Several inputs merged into one timeline.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openCaptures } from '../../src/capture/index.js';
import type { CaptureSource, MergedCapture } from '../../src/capture/types.js';
import type { CapturedFrame, FrameNumber } from '../../src/types.js';
import { Merger } from '../../src/capture/merge.js';
import { copyFrame, crafted, type ReadFrame } from './read.js';
import { tempDir } from '../helpers/temp.js';

async function drainMerged(merged: MergedCapture): Promise<ReadFrame[]> {
  const out: ReadFrame[] = [];
  for (let batch = await merged.next(); batch !== null; batch = await merged.next()) for (const f of batch) out.push(copyFrame(f));
  return out;
}

/** Returns a source that hands out frames at the given times in batches of `batchSize`. */
function fakeSource(input: number, times: number[], batchSize: number): CaptureSource {
  const frames: CapturedFrame[] = times.map((t, i) => ({
    input,
    frame: (i + 1) as FrameNumber,
    time: { sec: Math.floor(t), nsec: Math.round((t % 1) * 1e9), digits: 9 },
    linkType: 1,
    data: new Uint8Array(0),
    origLength: 0,
  }));
  let at = 0;
  return {
    info: { path: `fake${input}`, format: 'pcap', compressed: false, linkTypes: [], frames: 0, first: null, last: null },
    problems: [],
    next() {
      if (at >= frames.length) return Promise.resolve(null);
      const batch = frames.slice(at, at + batchSize);
      at += batchSize;
      return Promise.resolve(batch);
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Builds a microsecond pcap of `count` records, record i at `startMicros + i * stepMicros`
 * microseconds, carrying 300 to 1,700 bytes that all equal (tag + i) & 0xff.
 */
function pcapSeries(count: number, startMicros: number, stepMicros: number, tag: number): Buffer {
  const parts: Buffer[] = [Buffer.from('d4c3b2a10200040000000000000000000000040001000000', 'hex')];
  for (let i = 0; i < count; i++) {
    const micros = startMicros + i * stepMicros;
    const size = 300 + ((i * 37) % 1400);
    const record = Buffer.alloc(16 + size, (tag + i) & 0xff);
    record.writeUInt32LE(1_700_000_000 + Math.floor(micros / 1e6), 0);
    record.writeUInt32LE(micros % 1e6, 4);
    record.writeUInt32LE(size, 8);
    record.writeUInt32LE(size, 12);
    parts.push(record);
  }
  return Buffer.concat(parts);
}

describe('capture merge', () => {
  it('keeps frame data intact across many batches', async () => {
    const dir = tempDir('spitrace-merge-');
    const a = join(dir, 'a.pcap');
    const b = join(dir, 'b.pcap.gz');
    writeFileSync(a, pcapSeries(20_000, 0, 10, 0));
    writeFileSync(b, gzipSync(pcapSeries(15_000, 5, 13, 100)));
    const merged = await openCaptures([a, b]);
    let previous = -1;
    let count = 0;
    let damaged = 0;
    for (let batch = await merged.next(); batch !== null; batch = await merged.next()) {
      for (const f of batch) {
        const micros = (f.time.sec - 1_700_000_000) * 1e6 + f.time.nsec / 1000;
        if (micros < previous) throw new Error(`frame ${f.input}/${f.frame} out of order`);
        previous = micros;
        const expected = ((f.input === 0 ? 0 : 100) + f.frame - 1) & 0xff;
        if (f.data.some((v) => v !== expected)) damaged++;
        count++;
      }
    }
    await merged.close();
    expect(count).toBe(35_000);
    expect(damaged).toBe(0);
  });

  it('merges two peers by time', async () => {
    const merged = await openCaptures([crafted('formats/merge-peer-a.pcap'), crafted('formats/merge-peer-b.pcapng')]);
    const frames = await drainMerged(merged);
    await merged.close();
    expect(frames.map((f) => [f.input, f.frame])).toEqual([
      [0, 1],
      [1, 1],
      [0, 2],
      [1, 2],
      [1, 3],
      [0, 3],
      [0, 4],
      [1, 4],
    ]);
  });

  it('gives a tie to the first input', async () => {
    const merged = await openCaptures([crafted('formats/merge-peer-b.pcapng'), crafted('formats/merge-peer-a.pcap')]);
    const frames = await drainMerged(merged);
    await merged.close();
    expect(frames.slice(-2).map((f) => [f.input, f.frame])).toEqual([
      [0, 4],
      [1, 4],
    ]);
  });

  it('keeps file order when a clock steps back', async () => {
    const merged = new Merger([fakeSource(0, [1, 5, 3, 7], 2), fakeSource(1, [4, 6], 1)]);
    const frames = await drainMerged(merged);
    expect(frames.map((f) => [f.input, f.frame])).toEqual([
      [0, 1],
      [1, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [0, 4],
    ]);
  });

  it('merges across batch boundaries', async () => {
    const a = Array.from({ length: 50 }, (_, i) => 100 + i * 2);
    const b = Array.from({ length: 50 }, (_, i) => 101 + i * 2);
    const merged = new Merger([fakeSource(0, a, 7), fakeSource(1, b, 3)]);
    const frames = await drainMerged(merged);
    expect(frames).toHaveLength(100);
    expect(frames.map((f) => f.input)).toEqual(Array.from({ length: 100 }, (_, i) => i % 2));
  });

  it('passes a single input through', async () => {
    const merged = await openCaptures([crafted('formats/pcap-le-usec.pcap')]);
    const frames = await drainMerged(merged);
    await merged.close();
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3, 4]);
    expect(merged.inputs[0]!.info.frames).toBe(4);
  });

  it('ends when every input ends', async () => {
    const merged = new Merger([fakeSource(0, [], 1), fakeSource(1, [2], 1)]);
    expect(await drainMerged(merged)).toHaveLength(1);
    expect(await merged.next()).toBeNull();
  });
});
