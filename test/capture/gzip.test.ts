// Gzip files read member by member (src/capture/gzip.ts): several members,
// optional header fields, padding and other data after the last member, a
// member whose trailer does not match, and every split of the compressed
// bytes around a member's end.

import { describe, expect, it } from 'vitest';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { gunzipMembers } from '../../src/capture/gzip.js';
import { readBytes } from './read.js';

/** Builds a little-endian microsecond pcap of `count` Ethernet-sized records whose bytes differ per record. */
function pcap(count: number): Buffer {
  const parts = [Buffer.from('d4c3b2a1020004000000000000000000ffff000001000000', 'hex')];
  for (let i = 0; i < count; i++) {
    const header = Buffer.alloc(16);
    header.writeUInt32LE(1_700_000_000 + i, 0);
    header.writeUInt32LE(100 + (i % 900), 8);
    header.writeUInt32LE(100 + (i % 900), 12);
    parts.push(header, Buffer.alloc(100 + (i % 900), i & 0xff));
  }
  return Buffer.concat(parts);
}

/** Builds a gzip member by hand, with the optional header fields given. */
function member(data: Uint8Array, fields: { extra?: Buffer; name?: string; comment?: string; headerCrc?: boolean } = {}): Buffer {
  let flags = 0;
  const optional: Buffer[] = [];
  if (fields.extra) {
    flags |= 0x04;
    const length = Buffer.alloc(2);
    length.writeUInt16LE(fields.extra.length);
    optional.push(length, fields.extra);
  }
  if (fields.name !== undefined) {
    flags |= 0x08;
    optional.push(Buffer.from(fields.name + '\0', 'latin1'));
  }
  if (fields.comment !== undefined) {
    flags |= 0x10;
    optional.push(Buffer.from(fields.comment + '\0', 'latin1'));
  }
  if (fields.headerCrc) flags |= 0x02;
  const header = Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3]);
  const headerCrc = Buffer.alloc(fields.headerCrc ? 2 : 0);
  if (fields.headerCrc) headerCrc.writeUInt16LE(crc32(Buffer.concat([header, ...optional])) & 0xffff);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(data), 0);
  trailer.writeUInt32LE(data.length >>> 0, 4);
  return Buffer.concat([header, ...optional, headerCrc, deflateRawSync(data), trailer]);
}

/** Decompresses `compressed` handed over in the given pieces; returns the output and the fault, if any. */
async function gunzipPieces(compressed: Uint8Array, cuts: number[]): Promise<{ output: Buffer; fault: string | null }> {
  async function* pieces(): AsyncGenerator<Uint8Array> {
    let from = 0;
    for (const cut of [...cuts, compressed.length]) {
      yield compressed.subarray(from, cut);
      from = cut;
    }
  }
  const parts: Uint8Array[] = [];
  try {
    for await (const part of gunzipMembers(pieces(), 4096)) parts.push(part);
    return { output: Buffer.concat(parts), fault: null };
  } catch (err) {
    return { output: Buffer.concat(parts), fault: (err as Error).message };
  }
}

describe('gzip members', () => {
  it('reads data after the last member', async () => {
    const bytes = pcap(500);
    const { frames, source } = await readBytes(Buffer.concat([gzipSync(bytes), Buffer.from('trailing junk')]));
    expect(frames).toHaveLength(500);
    expect(source.problems).toEqual([{ frame: 501, layer: 'gzip', reason: '13 bytes after the end of the gzip data ignored', cause: 'malformed' }]);
  });

  it('reads one byte after the last member', async () => {
    const { frames, source } = await readBytes(Buffer.concat([gzipSync(pcap(20)), Buffer.from([0x1f])]));
    expect(frames).toHaveLength(20);
    expect(source.problems.map((p) => p.reason)).toEqual(['1 byte after the end of the gzip data ignored']);
  });

  it('ignores zero padding', async () => {
    const { frames, source } = await readBytes(Buffer.concat([gzipSync(pcap(50)), Buffer.alloc(512)]));
    expect(frames).toHaveLength(50);
    expect(source.problems).toEqual([]);
  });

  it('reads several members', async () => {
    const bytes = pcap(300);
    const { frames, source } = await readBytes(Buffer.concat([gzipSync(bytes.subarray(0, 7000)), gzipSync(bytes.subarray(7000, 90_000)), gzipSync(bytes.subarray(90_000))]));
    expect(frames).toHaveLength(300);
    expect(source.problems).toEqual([]);
  });

  it('skips optional header fields', async () => {
    const bytes = pcap(40);
    const compressed = member(bytes, { extra: Buffer.from('AB\x04\x00data'), name: 'capture.pcap', comment: 'lab run', headerCrc: true });
    const { frames, source } = await readBytes(compressed);
    expect(frames).toHaveLength(40);
    expect(source.problems).toEqual([]);
  });

  it('reports a CRC-32 that does not match', async () => {
    const compressed = member(pcap(30));
    compressed[compressed.length - 8]! ^= 0xff;
    const { frames, source } = await readBytes(compressed);
    expect(frames).toHaveLength(30);
    expect(source.problems).toEqual([{ frame: 31, layer: 'gzip', reason: 'corrupt gzip stream (CRC-32 of member 1 does not match its data)', cause: 'malformed' }]);
  });

  it('reports a trailer cut short', async () => {
    const compressed = gzipSync(pcap(30));
    const { frames, source } = await readBytes(compressed.subarray(0, compressed.length - 3));
    expect(frames).toHaveLength(30);
    expect(source.problems).toEqual([{ frame: 31, layer: 'gzip', reason: 'gzip stream cut short', cause: 'truncated' }]);
  });

  it('reports reserved header flags', async () => {
    const compressed = Buffer.concat([gzipSync(pcap(10)), member(Buffer.from('x'))]);
    compressed[compressed.length - member(Buffer.from('x')).length + 3] = 0x20;
    const { frames, source } = await readBytes(compressed);
    expect(frames).toHaveLength(10);
    expect(source.problems.map((p) => p.reason)).toEqual(['corrupt gzip stream (member 2 sets reserved flags 0x20)']);
  });

  it('splits anywhere around a member end', async () => {
    const first = pcap(60);
    const second = Buffer.from('second member');
    const firstMember = gzipSync(first);
    const compressed = Buffer.concat([firstMember, gzipSync(second), Buffer.from('xy')]);
    const expected = Buffer.concat([first, second]);
    // Cuts inside the deflate data, at its end, inside the trailer and inside the next header.
    for (let cut = firstMember.length - 16; cut <= firstMember.length + 12; cut++) {
      const { output, fault } = await gunzipPieces(compressed, [100, cut]);
      expect(output.equals(expected), `cut at ${cut}`).toBe(true);
      expect(fault, `cut at ${cut}`).toBe('2 bytes after the end of the gzip data ignored');
    }
  });

  it('hands over output as pieces arrive', async () => {
    const bytes = pcap(2000);
    const compressed = gzipSync(bytes, { level: 1 });
    const cuts = Array.from({ length: Math.floor(compressed.length / 997) }, (_, i) => (i + 1) * 997);
    const { output, fault } = await gunzipPieces(compressed, cuts);
    expect(fault).toBeNull();
    expect(output.equals(bytes)).toBe(true);
  });
});
