// A reader that goes on from where another reader of the same file stopped
// (ChunkedReader.suspend and resume, as the worker path hands a file over).
// Both together must read what one reader reads alone, with the same frame
// numbers, times, capture facts and problems.

import { describe, expect, it } from 'vitest';
import { CHUNK_SIZE, ChunkedReader } from '../../src/capture/chunked.js';
import { openCaptureBytes } from '../../src/capture/index.js';
import type { CaptureSource, ReaderPosition, RecordVisitor } from '../../src/capture/types.js';
import { pcapngEnhancedPacket, pcapngInterface, pcapngSectionHeader } from '../../src/capture/writer.js';
import { at, filler } from '../helpers/build.js';

/** Collects one line per record: frame number, time, digits, link type, lengths and a checksum of the bytes. */
function collector(lines: string[]): RecordVisitor {
  return {
    record(buf, start, caplen, origLength, sec, nsec, digits, frame, linkType) {
      let sum = 0;
      for (let i = start; i < start + caplen; i++) sum = (sum * 31 + buf[i]!) >>> 0;
      lines.push(`${frame} ${sec}.${nsec} ${digits} ${linkType} ${caplen} ${origLength} ${sum}`);
    },
  };
}

/** Reads the whole of `bytes` with one reader. */
async function readAlone(bytes: Uint8Array): Promise<{ lines: string[]; source: CaptureSource }> {
  const lines: string[] = [];
  const source = await openCaptureBytes(bytes, 'memory', 0);
  for (let more = true; more; ) more = await source.scan!(collector(lines));
  return { lines, source };
}

/** Reads `batches` batches of `bytes` with one reader, then the rest with a second one that goes on from there. */
async function readHandedOver(bytes: Uint8Array, batches: number): Promise<{ lines: string[]; before: number; position: ReaderPosition; source: CaptureSource }> {
  const lines: string[] = [];
  const first = await openCaptureBytes(bytes, 'memory', 0);
  for (let i = 0; i < batches; i++) await first.scan!(collector(lines));
  const before = lines.length;
  const position = first.suspend!();
  await first.close();
  if (position === null) throw new Error('the first reader cannot be suspended');
  const second = await openCaptureBytes(bytes, 'memory', 0);
  if (!(second instanceof ChunkedReader)) throw new Error('not a chunked reader');
  second.resume(position);
  for (let more = true; more; ) more = await second.scan(collector(lines));
  return { lines, before, position, source: second };
}

/** Expects a reading handed over after `batches` batches to equal a reading by one reader, and returns it. */
async function expectSameReading(bytes: Uint8Array, batches: number): Promise<{ before: number; position: ReaderPosition }> {
  const alone = await readAlone(bytes);
  const handedOver = await readHandedOver(bytes, batches);
  expect(handedOver.lines).toEqual(alone.lines);
  expect(handedOver.source.info).toEqual(alone.source.info);
  expect(handedOver.source.problems).toEqual(alone.source.problems);
  return handedOver;
}

/**
 * Builds a little-endian microsecond pcap with snaplen 1000 of `count`
 * records of 700 to 1,099 bytes. Record 2 exceeds the snaplen and record 3
 * has a fraction of a million microseconds, which the reader reports once per
 * file. The file ends inside a record.
 */
function pcapBytes(count: number): Buffer {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(1000, 16);
  header.writeUInt32LE(1, 20);
  parts.push(header);
  for (let i = 0; i < count; i++) {
    const size = i === 1 ? 1200 : 700 + ((i * 7919) % 400);
    const record = Buffer.alloc(16 + size);
    record.writeUInt32LE(1_700_000_000 + (i >> 10), 0);
    record.writeUInt32LE(i === 2 ? 1_000_000 : (i * 977) % 1_000_000, 4);
    record.writeUInt32LE(size, 8);
    record.writeUInt32LE(size, 12);
    record.set(filler(size, i), 16);
    parts.push(record);
  }
  // A record header that promises 100 bytes, followed by 10.
  const cut = Buffer.alloc(26);
  cut.writeUInt32LE(1_800_000_000, 0);
  cut.writeUInt32LE(100, 8);
  cut.writeUInt32LE(100, 12);
  parts.push(cut);
  return Buffer.concat(parts);
}

/**
 * Builds a pcapng file of `count` packets on two interfaces (Ethernet with
 * nanoseconds, raw IP with microseconds). From 40 % of the packets on, a
 * second section follows whose one interface counts milliseconds.
 */
function pcapngBytes(count: number): Buffer {
  const parts: Uint8Array[] = [pcapngSectionHeader(), pcapngInterface(1, 9), pcapngInterface(101, 6)];
  for (let i = 0; i < count; i++) {
    if (i === Math.floor(count * 0.4)) parts.push(pcapngSectionHeader(), pcapngInterface(1, 3));
    const secondSection = i >= Math.floor(count * 0.4);
    const iface = secondSection ? 0 : i % 2;
    let tsresol = iface === 0 ? 9 : 6;
    if (secondSection) tsresol = 3;
    parts.push(pcapngEnhancedPacket(iface, at(i / 1000), filler(600 + ((i * 7919) % 500), i), undefined, tsresol));
  }
  return Buffer.concat(parts);
}

describe('hand-over between readers', () => {
  it('pcap reader resumes a suspended reader', async () => {
    const { before } = await expectSameReading(pcapBytes(12_000), 1);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(12_000);
  });

  it('pcap reader resumes before any record', async () => {
    const { before } = await expectSameReading(pcapBytes(12_000), 0);
    expect(before).toBe(0);
  });

  it('pcapng reader resumes a suspended reader', async () => {
    const { position } = await expectSameReading(pcapngBytes(14_000), 1);
    expect(position.format).toMatchObject({ kind: 'pcapng', section: 1 });
  });

  it('pcapng reader resumes in a second section', async () => {
    // Enough chunks to pass the start of the second section, at 40 % of the file.
    const bytes = pcapngBytes(14_000);
    const { position } = await expectSameReading(bytes, Math.ceil((bytes.length * 0.5) / CHUNK_SIZE));
    expect(position.format).toMatchObject({ kind: 'pcapng', section: 2 });
  });

  it('fully read reader cannot be suspended', async () => {
    const source = await openCaptureBytes(pcapBytes(10), 'memory', 0);
    for (let more = true; more; ) more = await source.scan!(collector([]));
    expect(source.suspend!()).toBeNull();
  });
});
