// Every format variant in captures/formats/ (made by scripts/gen-captures/formats.ts),
// checked against the frame numbers and times tshark 4.0 prints for them.

import { describe, expect, it } from 'vitest';
import { CaptureFormatError } from '../../src/capture/index.js';
import { crafted, hex, readBytes, readFile } from './read.js';

const USEC = ['1700000000.123456000', '1700000000.373456000', '1700000000.623457000', '1700000000.873457000'];
const NSEC = ['1700000000.123456789', '1700000000.373456912', '1700000000.623457035', '1700000000.873457158'];

describe('pcap reader', () => {
  it('reads little-endian microsecond magic', async () => {
    const { source, frames } = await readFile(crafted('formats/pcap-le-usec.pcap'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3, 4]);
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
    expect(frames.every((f) => f.digits === 6)).toBe(true);
    expect(frames.every((f) => f.length === 90 && f.origLength === 90)).toBe(true);
    expect(source.info.format).toBe('pcap');
    expect(source.info.linkTypes).toEqual([{ number: 1, name: 'ETHERNET' }]);
    expect(source.problems).toEqual([]);
  });

  it('reads big-endian microsecond magic', async () => {
    const { frames } = await readFile(crafted('formats/pcap-be-usec.pcap'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
  });

  it('reads little-endian nanosecond magic', async () => {
    const { frames } = await readFile(crafted('formats/pcap-le-nsec.pcap'));
    expect(frames.map((f) => f.epoch)).toEqual(NSEC);
    expect(frames.every((f) => f.digits === 9)).toBe(true);
  });

  it('reads big-endian nanosecond magic', async () => {
    const { frames } = await readFile(crafted('formats/pcap-be-nsec.pcap'));
    expect(frames.map((f) => f.epoch)).toEqual(NSEC);
  });

  it('reads the modified format', async () => {
    const { frames } = await readFile(crafted('formats/pcap-modified.pcap'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
    expect(frames.every((f) => f.length === 90)).toBe(true);
  });

  it('keeps frames cut by an odd snaplen', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-snaplen-odd.pcap'));
    expect(frames.map((f) => [f.length, f.origLength])).toEqual([
      [61, 90],
      [61, 90],
      [61, 90],
      [61, 90],
    ]);
    expect(source.problems).toEqual([]);
  });

  it('accepts caplen above snaplen with one problem', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-caplen-over-snaplen.pcap'));
    expect(frames).toHaveLength(4);
    expect(source.problems).toHaveLength(1);
    expect(source.problems[0]).toMatchObject({ frame: 1, layer: 'pcap', cause: 'malformed' });
  });

  it('delivers frames before a cut record body', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-truncated-data.pcap'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3]);
    expect(source.problems).toEqual([{ frame: 4, layer: 'pcap', reason: 'record 4 data cut short (80 of 90 bytes)', cause: 'truncated', offset: 342 }]);
  });

  it('delivers frames before a cut record header', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-truncated-header.pcap'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3]);
    expect(source.problems).toEqual([{ frame: 4, layer: 'pcap', reason: 'record 4 header cut short (9 of 16 bytes)', cause: 'truncated', offset: 342 }]);
  });

  it('stops at an absurd caplen', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-absurd-caplen.pcap'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2]);
    expect(source.problems).toHaveLength(1);
    expect(source.problems[0]).toMatchObject({ frame: 3, layer: 'pcap', cause: 'malformed' });
    expect(source.problems[0]!.reason).toContain('2147483647');
  });

  it('reads a big-endian nanosecond hex fixture', async () => {
    // tshark: frame 1, 1700000000.999999999, raw IPv4 192.0.2.1 > 198.51.100.1, ESP SPI 0x0000c001.
    const bytes = hex(`a1b23c4d 0002 0004 00000000 00000000 0000ffff 00000065
      6553f100 3b9ac9ff 0000001c 0000001c
      4500001c 00010000 40328e79 c0000201 c6336401 0000c001 00000001`);
    const { frames, source } = await readBytes(bytes);
    expect(frames.map((f) => f.epoch)).toEqual(['1700000000.999999999']);
    expect(frames[0]!.linkType).toBe(101);
    expect(source.info.linkTypes).toEqual([{ number: 101, name: 'RAW' }]);
  });

  it('reports a file header cut short', async () => {
    const { frames, source } = await readBytes(hex('d4c3b2a1 0200 0400 00000000'));
    expect(frames).toEqual([]);
    expect(source.problems).toEqual([{ frame: 1, layer: 'pcap', reason: 'pcap file header cut short (12 of 24 bytes)', cause: 'truncated', offset: 0 }]);
  });

  it('rejects pcap version 1', async () => {
    const bytes = hex('d4c3b2a1 0100 0000 00000000 00000000 ffff0000 01000000');
    await expect(readBytes(bytes)).rejects.toThrow(CaptureFormatError);
  });

  it('carries a microsecond field of a million into the seconds', async () => {
    // tshark 4.0 prints this frame's time as 1700000000.1000000000: it does not normalise.
    const bytes = hex(`d4c3b2a1 0200 0400 00000000 00000000 ffff0000 01000000
      00f15365 40420f00 00000000 00000000`);
    const { frames, source } = await readBytes(bytes);
    expect(frames.map((f) => f.epoch)).toEqual(['1700000001.000000000']);
    expect(source.problems[0]).toMatchObject({ frame: 1, cause: 'malformed' });
  });
});

describe('pcapng reader', () => {
  it('reads a little-endian section', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-le.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
    expect(frames.every((f) => f.digits === 6)).toBe(true);
    expect(source.info.format).toBe('pcapng');
    expect(source.problems).toEqual([]);
  });

  it('reads a big-endian section at nanoseconds', async () => {
    const { frames } = await readFile(crafted('formats/pcapng-be.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual(NSEC);
    expect(frames.every((f) => f.digits === 9)).toBe(true);
  });

  it('reads a big-endian hex fixture', async () => {
    // tshark: frame 1, 1700000000.000000005, raw IPv4 192.0.2.1 > 198.51.100.1, ESP SPI 0x0000c001.
    const bytes = hex(`0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c
      00000001 00000020 0065 0000 00000000 0009 0001 09000000 0000 0000 00000020
      00000006 0000003c 00000000 17979cfe 362a0005 0000001c 0000001c
      4500001c 00010000 40328e79 c0000201 c6336401 0000c001 00000001 0000003c`);
    const { frames, source } = await readBytes(bytes);
    expect(frames.map((f) => f.epoch)).toEqual(['1700000000.000000005']);
    expect(frames[0]!.linkType).toBe(101);
    expect(source.problems).toEqual([]);
  });

  it('resets interfaces at a second section', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-two-sections.pcapng'));
    expect(frames.map((f) => f.linkType)).toEqual([1, 1, 101, 101]);
    expect(frames.map((f) => f.digits)).toEqual([6, 6, 9, 9]);
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
    expect(source.info.linkTypes).toEqual([
      { number: 1, name: 'ETHERNET' },
      { number: 101, name: 'RAW' },
    ]);
  });

  it('reads a power-of-two if_tsresol', async () => {
    const { frames } = await readFile(crafted('formats/pcapng-tsresol-binary.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual(['1700000000.000000000', '1700000001.000000953', '1700000002.500000000', '1700000003.999999046']);
    expect(frames[0]!.digits).toBe(7);
  });

  it('adds if_tsoffset', async () => {
    const { frames } = await readFile(crafted('formats/pcapng-tsoffset.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
  });

  it('gives simple packets the previous time', async () => {
    // tshark leaves frame.time_epoch empty for frames 2 and 3.
    const { frames } = await readFile(crafted('formats/pcapng-simple-packets.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual([USEC[0], USEC[0], USEC[0], USEC[3]]);
    expect(frames.map((f) => [f.length, f.origLength])).toEqual([
      [60, 90],
      [60, 90],
      [60, 90],
      [60, 90],
    ]);
  });

  it('reads obsolete packet blocks', async () => {
    const { frames } = await readFile(crafted('formats/pcapng-obsolete-packets.pcapng'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
  });

  it('numbers custom blocks as Wireshark does', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-unknown-blocks.pcapng'));
    expect(frames.map((f) => f.frame)).toEqual([1, 3, 5]);
    expect(frames.map((f) => f.epoch)).toEqual(USEC.slice(0, 3));
    expect(source.info.frames).toBe(3);
    expect(source.problems).toEqual([]);
  });

  it('keeps a link type per interface', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-two-interfaces.pcapng'));
    expect(frames.map((f) => f.linkType)).toEqual([1, 101, 1, 101]);
    expect(frames.map((f) => f.epoch)).toEqual([USEC[0], NSEC[1], USEC[2], NSEC[3]]);
    expect(source.info.linkTypes.map((t) => t.number)).toEqual([1, 101]);
  });

  it('stops at a block length that is not a multiple of 4', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-bad-block-length.pcapng'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2]);
    expect(source.problems).toHaveLength(1);
    expect(source.problems[0]).toMatchObject({ frame: 3, layer: 'pcapng', cause: 'malformed', offset: 296 });
  });

  it('reads past a trailing length mismatch', async () => {
    // tshark 4.0 stops after frame 1 with "total block lengths (first 124 and second 128) don't match".
    const { frames, source } = await readFile(crafted('formats/pcapng-trailer-mismatch.pcapng'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3]);
    expect(source.problems).toHaveLength(1);
    expect(source.problems[0]).toMatchObject({ frame: 2, layer: 'pcapng', cause: 'malformed' });
  });

  it('stops at a block length below 12', async () => {
    const bytes = hex(`0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000
      01000000 08000000`);
    const { frames, source } = await readBytes(bytes);
    expect(frames).toEqual([]);
    expect(source.problems[0]).toMatchObject({ frame: 1, cause: 'malformed' });
  });

  it('reports a packet block for an undescribed interface', async () => {
    const bytes = hex(`0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000
      06000000 24000000 05000000 00000000 00000000 04000000 04000000 01020304 24000000`);
    const { frames, source } = await readBytes(bytes);
    expect(frames).toEqual([]);
    expect(source.problems[0]!.reason).toContain('interface 5');
  });
});

describe('gzip input', () => {
  it('reads a gzip of pcap', async () => {
    const { frames, source } = await readFile(crafted('formats/pcap-le-usec.pcap.gz'));
    expect(frames.map((f) => f.epoch)).toEqual(USEC);
    expect(source.info.compressed).toBe(true);
    expect(source.info.format).toBe('pcap');
  });

  it('reads a gzip of pcapng', async () => {
    const { frames, source } = await readFile(crafted('formats/pcapng-be.pcapng.gz'));
    expect(frames.map((f) => f.epoch)).toEqual(NSEC);
    expect(source.info.format).toBe('pcapng');
  });

  it('delivers frames before a gzip cut', async () => {
    // tshark: frames 1 to 11, then "cut short in the middle of a packet".
    const { frames, source } = await readFile(crafted('formats/gzip-truncated.pcap.gz'));
    expect(frames.map((f) => f.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(source.problems.map((p) => [p.layer, p.cause])).toEqual([
      ['pcap', 'truncated'],
      ['gzip', 'truncated'],
    ]);
  });

  it('recognises content, not the name', async () => {
    const { frames, source } = await readFile(crafted('formats/capture-name.txt'));
    expect(frames).toHaveLength(4);
    expect(source.info.format).toBe('pcap');
  });
});

describe('capture info', () => {
  it('tracks frames and first and last time', async () => {
    const { source } = await readFile(crafted('formats/pcap-le-nsec.pcap'));
    expect(source.info.frames).toBe(4);
    expect(source.info.first).toEqual({ sec: 1700000000, nsec: 123456789, digits: 9 });
    expect(source.info.last).toEqual({ sec: 1700000000, nsec: 873457158, digits: 9 });
  });
});
