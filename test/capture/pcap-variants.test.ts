// pcap files whose record headers are longer than their magic implies: the
// layouts of patched libpcaps that editcap -F writes as nokiapcap, rh6_1pcap
// (Red Hat 6.1) and suse6_3pcap (SuSE 6.3). Each is built from a standard
// file by padding every record header, and must read as the standard file does.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { crafted, readBytes } from './read.js';

const MODIFIED_MAGIC = Buffer.from('34cdb2a1', 'hex');

/** Rewrites a little-endian standard pcap with `extra` zero bytes after each 16-byte record header, and the magic given. */
function padHeaders(standard: Buffer, extra: number, magic?: Buffer): Buffer {
  const fileHeader = Buffer.from(standard.subarray(0, 24));
  if (magic) magic.copy(fileHeader, 0);
  const parts: Uint8Array[] = [fileHeader];
  for (let p = 24; p + 16 <= standard.length; ) {
    const caplen = standard.readUInt32LE(p + 8);
    parts.push(standard.subarray(p, p + 16), Buffer.alloc(extra), standard.subarray(p + 16, p + 16 + caplen));
    p += 16 + caplen;
  }
  return Buffer.concat(parts);
}

describe('pcap record header variants', () => {
  const standard = readFileSync(crafted('formats/pcap-le-usec.pcap'));

  for (const [name, extra, magic] of [
    ['nokiapcap', 4, undefined],
    ['rh6_1pcap', 8, undefined],
    ['modpcap', 8, MODIFIED_MAGIC],
    ['suse6_3pcap', 12, MODIFIED_MAGIC],
  ] as const) {
    it(`reads ${name} as the standard file`, async () => {
      const expected = await readBytes(standard);
      const { frames, source } = await readBytes(padHeaders(standard, extra, magic));
      expect(frames).toEqual(expected.frames);
      expect(source.problems).toEqual([]);
    });
  }

  it('keeps 16 bytes for a cut second header', async () => {
    // Cut 8 bytes into the second record header: a 24-byte layout would end exactly there.
    const caplen = standard.readUInt32LE(24 + 8);
    const { frames, source } = await readBytes(standard.subarray(0, 24 + 16 + caplen + 8));
    expect(frames).toHaveLength(1);
    expect(source.problems.map((p) => p.reason)).toEqual(['record 2 header cut short (8 of 16 bytes)']);
  });

  it('keeps 16 bytes for a corrupt second record', async () => {
    const corrupt = Buffer.from(standard);
    const caplen = corrupt.readUInt32LE(24 + 8);
    corrupt.writeUInt32LE(0x7fffffff, 24 + 16 + caplen + 8);
    const { frames, source } = await readBytes(corrupt);
    expect(frames).toHaveLength(1);
    expect(source.problems.map((p) => p.reason)).toEqual(['record 2 claims 2147483647 captured bytes; the rest of the file is not read']);
  });
});
