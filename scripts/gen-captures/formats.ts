// Crafted captures for every file-format variant the readers accept or
// reject: classic pcap in both byte orders and both timestamp units, odd
// snaplens, cut records, pcapng sections, interfaces, block types and
// timestamp options, gzip, a pair of captures to merge, and non-captures.
// Every frame is Ethernet (or raw IPv4) carrying IPv4 ESP between
// documentation addresses, built by hand so the bytes are easy to check.

import { gzipSync } from 'node:zlib';
import type { Timestamp } from '../../src/types.js';
import type { CaptureCase } from './case.js';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;

/** 2023-11-14T22:13:20Z, the base time of every crafted frame. */
const BASE_SEC = 1_700_000_000;

// ---------------------------------------------------------------- frames

function ipv4Checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += (header[i]! << 8) | header[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function parseIpv4(text: string): number[] {
  return text.split('.').map(Number);
}

/** Builds an IPv4 packet carrying ESP (RFC 4303 §2): SPI, sequence number, then opaque bytes. */
function ipv4Esp(src: string, dst: string, spi: number, seq: number, payloadLength: number): Uint8Array {
  const esp = Buffer.alloc(8 + payloadLength);
  esp.writeUInt32BE(spi >>> 0, 0);
  esp.writeUInt32BE(seq >>> 0, 4);
  for (let i = 0; i < payloadLength; i++) esp[8 + i] = (seq * 31 + i * 7) & 0xff;
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + esp.length, 2);
  ip.writeUInt16BE(seq & 0xffff, 4);
  ip[8] = 64;
  ip[9] = 50;
  ip.set(parseIpv4(src), 12);
  ip.set(parseIpv4(dst), 16);
  ip.writeUInt16BE(ipv4Checksum(ip), 10);
  return Buffer.concat([ip, esp]);
}

/** Wraps an IPv4 packet in an Ethernet II frame. */
function ethernet(packet: Uint8Array, fromB = false): Uint8Array {
  const a = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
  const b = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02];
  const header = Buffer.from([...(fromB ? a : b), ...(fromB ? b : a), 0x08, 0x00]);
  return Buffer.concat([header, packet]);
}

interface Frame {
  time: Timestamp;
  data: Uint8Array;
  origLength?: number;
}

/** ESP frames from 192.0.2.1 to 198.51.100.1 on SPI 0x0000c001, one every 250.000123 ms. */
function espFrames(count: number, digits = 9, payloadLength = 48): Frame[] {
  const frames: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const nsecTotal = i * 250_000_123 + 123_456_789;
    const sec = BASE_SEC + Math.floor(nsecTotal / 1e9);
    let nsec = nsecTotal % 1e9;
    if (digits === 6) nsec -= nsec % 1000;
    frames.push({ time: { sec, nsec, digits }, data: ethernet(ipv4Esp('192.0.2.1', '198.51.100.1', 0xc001, i + 1, payloadLength)) });
  }
  return frames;
}

// ---------------------------------------------------------------- pcap

interface PcapOptions {
  littleEndian?: boolean;
  nanosecond?: boolean;
  /** Record headers of the "modified" format (magic 0xa1b2cd34), 24 bytes each. */
  modified?: boolean;
  snaplen?: number;
  linkType?: number;
}

function pcapFileHeader(o: PcapOptions): Buffer {
  const le = o.littleEndian ?? true;
  const b = Buffer.alloc(24);
  let magic = 0xa1b2c3d4;
  if (o.nanosecond) magic = 0xa1b23c4d;
  if (o.modified) magic = 0xa1b2cd34;
  const u16 = (v: number, at: number) => (le ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  u32(magic, 0);
  u16(2, 4);
  u16(4, 6);
  u32(0, 8);
  u32(0, 12);
  u32(o.snaplen ?? 262144, 16);
  u32(o.linkType ?? LINKTYPE_ETHERNET, 20);
  return b;
}

function pcapRecordBytes(f: Frame, o: PcapOptions, caplen = f.data.length): Buffer {
  const le = o.littleEndian ?? true;
  const headerLength = o.modified ? 24 : 16;
  const b = Buffer.alloc(headerLength + caplen);
  const u32 = (v: number, at: number) => (le ? b.writeUInt32LE(v >>> 0, at) : b.writeUInt32BE(v >>> 0, at));
  u32(f.time.sec, 0);
  u32(o.nanosecond ? f.time.nsec : Math.floor(f.time.nsec / 1000), 4);
  u32(caplen, 8);
  u32(f.origLength ?? f.data.length, 12);
  if (o.modified) {
    u32(2, 16); // interface index
    b.writeUInt16BE(0x0800, 20); // protocol, as the kernel's skb->protocol
    b[22] = 0; // packet type: to us
  }
  b.set(f.data.subarray(0, caplen), headerLength);
  return b;
}

function pcapFile(frames: Frame[], o: PcapOptions = {}): Buffer {
  return Buffer.concat([pcapFileHeader(o), ...frames.map((f) => pcapRecordBytes(f, o))]);
}

/** Frames cut to the snaplen, as a capturing tool writes them. */
function cutToSnaplen(frames: Frame[], snaplen: number): Frame[] {
  return frames.map((f) => ({ time: f.time, data: f.data.subarray(0, snaplen), origLength: f.data.length }));
}

// ---------------------------------------------------------------- pcapng

class BlockWriter {
  constructor(readonly littleEndian: boolean) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.littleEndian) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }

  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.littleEndian) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }

  i64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.littleEndian) b.writeBigInt64LE(v);
    else b.writeBigInt64BE(v);
    return b;
  }

  padded(data: Uint8Array): Buffer {
    const b = Buffer.alloc((data.length + 3) & ~3);
    b.set(data);
    return b;
  }

  option(code: number, value: Uint8Array): Buffer {
    return Buffer.concat([this.u16(code), this.u16(value.length), this.padded(value)]);
  }

  endOfOptions(): Buffer {
    return Buffer.alloc(4);
  }

  /** Builds a block: type, total length, body, total length again. `trailer` overrides the last field. */
  block(type: number, body: Uint8Array, trailer?: number): Buffer {
    const total = 12 + body.length;
    return Buffer.concat([this.u32(type), this.u32(total), body, this.u32(trailer ?? total)]);
  }

  sectionHeader(): Buffer {
    const body = Buffer.concat([this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), this.i64(-1n)]);
    return this.block(0x0a0d0d0a, body);
  }

  /** Builds an Interface Description Block. `tsresol` is the raw option byte, `tsoffset` whole seconds. */
  interface(linkType: number, o: { snaplen?: number; tsresol?: number; tsoffset?: bigint } = {}): Buffer {
    const options: Buffer[] = [];
    if (o.tsresol !== undefined) options.push(this.option(9, Uint8Array.of(o.tsresol)));
    if (o.tsoffset !== undefined) options.push(this.option(14, this.i64(o.tsoffset)));
    if (options.length > 0) options.push(this.endOfOptions());
    const body = Buffer.concat([this.u16(linkType), this.u16(0), this.u32(o.snaplen ?? 262144), ...options]);
    return this.block(1, body);
  }

  /** Timestamp units as the two 32-bit words of a packet block. */
  timestampWords(units: bigint): Buffer {
    return Buffer.concat([this.u32(Number(units >> 32n)), this.u32(Number(units & 0xffffffffn))]);
  }

  enhancedPacket(interfaceId: number, units: bigint, data: Uint8Array, origLength = data.length): Buffer {
    const body = Buffer.concat([this.u32(interfaceId), this.timestampWords(units), this.u32(data.length), this.u32(origLength), this.padded(data)]);
    return this.block(6, body);
  }

  simplePacket(data: Uint8Array, origLength = data.length): Buffer {
    return this.block(3, Buffer.concat([this.u32(origLength), this.padded(data)]));
  }

  obsoletePacket(interfaceId: number, units: bigint, data: Uint8Array): Buffer {
    const body = Buffer.concat([this.u16(interfaceId), this.u16(0), this.timestampWords(units), this.u32(data.length), this.u32(data.length), this.padded(data)]);
    return this.block(2, body);
  }
}

/** Timestamp units at 10^-digits seconds. */
function decimalUnits(t: Timestamp, digits: number): bigint {
  return BigInt(t.sec) * 10n ** BigInt(digits) + BigInt(t.nsec) / 10n ** BigInt(9 - digits);
}

function pcapngFile(frames: Frame[], littleEndian: boolean, digits = 6): Buffer {
  const w = new BlockWriter(littleEndian);
  const parts = [w.sectionHeader(), w.interface(LINKTYPE_ETHERNET, digits === 6 ? {} : { tsresol: digits })];
  for (const f of frames) parts.push(w.enhancedPacket(0, decimalUnits(f.time, digits), f.data));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- cases

const usecFrames = espFrames(4, 6);
const nsecFrames = espFrames(4, 9);

function twoSections(): Buffer {
  const le = new BlockWriter(true);
  const be = new BlockWriter(false);
  const frames = espFrames(4, 6);
  const raw = (f: Frame) => f.data.subarray(14);
  return Buffer.concat([
    le.sectionHeader(),
    le.interface(LINKTYPE_ETHERNET),
    le.enhancedPacket(0, decimalUnits(frames[0]!.time, 6), frames[0]!.data),
    le.enhancedPacket(0, decimalUnits(frames[1]!.time, 6), frames[1]!.data),
    be.sectionHeader(),
    be.interface(LINKTYPE_RAW, { tsresol: 9 }),
    be.enhancedPacket(0, decimalUnits(frames[2]!.time, 9), raw(frames[2]!)),
    be.enhancedPacket(0, decimalUnits(frames[3]!.time, 9), raw(frames[3]!)),
  ]);
}

/** if_tsresol 0x94: units of 2^-20 s; the frames fall on exact binary fractions. */
function binaryResolution(): Buffer {
  const w = new BlockWriter(true);
  const parts = [w.sectionHeader(), w.interface(LINKTYPE_ETHERNET, { tsresol: 0x94 })];
  const fractions = [0, 1, 524288, 1048575];
  for (const [i, fraction] of fractions.entries()) {
    const units = (BigInt(BASE_SEC + i) << 20n) + BigInt(fraction);
    parts.push(w.enhancedPacket(0, units, nsecFrames[i]!.data));
  }
  return Buffer.concat(parts);
}

/** if_tsoffset of BASE_SEC: the packet timestamps count from there, in microseconds. */
function timestampOffset(): Buffer {
  const w = new BlockWriter(true);
  const parts = [w.sectionHeader(), w.interface(LINKTYPE_ETHERNET, { tsoffset: BigInt(BASE_SEC) })];
  for (const f of usecFrames) {
    const relative = { sec: f.time.sec - BASE_SEC, nsec: f.time.nsec, digits: 6 };
    parts.push(w.enhancedPacket(0, decimalUnits(relative, 6), f.data));
  }
  return Buffer.concat(parts);
}

function simplePackets(): Buffer {
  const w = new BlockWriter(true);
  const [a, b, c, d] = usecFrames as [Frame, Frame, Frame, Frame];
  return Buffer.concat([
    w.sectionHeader(),
    w.interface(LINKTYPE_ETHERNET, { snaplen: 60 }),
    w.enhancedPacket(0, decimalUnits(a.time, 6), a.data.subarray(0, 60), a.data.length),
    w.simplePacket(b.data.subarray(0, 60), b.data.length),
    w.simplePacket(c.data.subarray(0, 60), c.data.length),
    w.enhancedPacket(0, decimalUnits(d.time, 6), d.data.subarray(0, 60), d.data.length),
  ]);
}

function obsoletePackets(): Buffer {
  const w = new BlockWriter(true);
  return Buffer.concat([w.sectionHeader(), w.interface(LINKTYPE_ETHERNET), ...usecFrames.map((f) => w.obsoletePacket(0, decimalUnits(f.time, 6), f.data))]);
}

function unknownBlocks(): Buffer {
  const w = new BlockWriter(true);
  const [a, b, c] = usecFrames as [Frame, Frame, Frame];
  // One nrb_record_ipv4 (type 1): the address, then a NUL-terminated name; then nrb_record_end.
  const nameResolution = Buffer.concat([w.u16(1), w.u16(16), Buffer.from([192, 0, 2, 1]), Buffer.from('peer-a.test\0'), w.u16(0), w.u16(0)]);
  const statistics = Buffer.concat([w.u32(0), w.timestampWords(decimalUnits(c.time, 6))]);
  const custom = Buffer.concat([w.u32(32473), Buffer.from('spitrace custom block')]); // PEN 32473 is reserved for documentation (RFC 5612)
  return Buffer.concat([
    w.sectionHeader(),
    w.interface(LINKTYPE_ETHERNET),
    w.block(4, nameResolution),
    w.enhancedPacket(0, decimalUnits(a.time, 6), a.data),
    w.block(0x00000bad, w.padded(custom)),
    w.enhancedPacket(0, decimalUnits(b.time, 6), b.data),
    w.block(0x12345678, Buffer.alloc(8, 0xee)),
    w.block(0x40000bad, w.padded(custom)),
    w.enhancedPacket(0, decimalUnits(c.time, 6), c.data),
    w.block(5, statistics),
  ]);
}

function twoInterfaces(): Buffer {
  const w = new BlockWriter(true);
  const parts = [w.sectionHeader(), w.interface(LINKTYPE_ETHERNET), w.interface(LINKTYPE_RAW, { tsresol: 9 })];
  for (const [i, f] of nsecFrames.entries()) {
    if (i % 2 === 0) parts.push(w.enhancedPacket(0, decimalUnits(f.time, 6), f.data));
    else parts.push(w.enhancedPacket(1, decimalUnits(f.time, 9), f.data.subarray(14)));
  }
  return Buffer.concat(parts);
}

function badBlockLength(): Buffer {
  const w = new BlockWriter(true);
  const [a, b, c] = usecFrames as [Frame, Frame, Frame];
  const third = w.enhancedPacket(0, decimalUnits(c.time, 6), c.data);
  third.writeUInt32LE(126, 4);
  return Buffer.concat([w.sectionHeader(), w.interface(LINKTYPE_ETHERNET), w.enhancedPacket(0, decimalUnits(a.time, 6), a.data), w.enhancedPacket(0, decimalUnits(b.time, 6), b.data), third]);
}

function trailerMismatch(): Buffer {
  const w = new BlockWriter(true);
  const [a, b, c] = usecFrames as [Frame, Frame, Frame];
  const second = w.enhancedPacket(0, decimalUnits(b.time, 6), b.data);
  second.writeUInt32LE(second.length + 4, second.length - 4);
  return Buffer.concat([w.sectionHeader(), w.interface(LINKTYPE_ETHERNET), w.enhancedPacket(0, decimalUnits(a.time, 6), a.data), second, w.enhancedPacket(0, decimalUnits(c.time, 6), c.data)]);
}

/** Returns frames of a tunnel captured at both ends: B captures A's packets 1.5 ms later, and one reply ties with one of A's frames. */
function peerFrames(): { a: Frame[]; b: Frame[] } {
  const t = (ms: number, usec = 0): Timestamp => ({ sec: BASE_SEC, nsec: ms * 1_000_000 + usec * 1000, digits: 6 });
  const aToB = (seq: number) => ethernet(ipv4Esp('192.0.2.1', '203.0.113.1', 0xc0010a, seq, 40));
  const bToA = (seq: number) => ethernet(ipv4Esp('203.0.113.1', '192.0.2.1', 0xc0010b, seq, 40), true);
  return {
    a: [
      { time: t(100), data: aToB(1) },
      { time: t(200), data: aToB(2) },
      { time: t(300), data: bToA(1) },
      { time: t(400), data: aToB(3) },
    ],
    b: [
      { time: t(101, 500), data: aToB(1) },
      { time: t(201, 500), data: aToB(2) },
      { time: t(298), data: bToA(1) },
      { time: t(400), data: bToA(2) },
    ],
  };
}

const peers = peerFrames();

export const cases: CaptureCase[] = [
  {
    file: 'formats/pcap-le-usec.pcap',
    purpose: 'Little-endian pcap, microsecond magic 0xa1b2c3d4: four ESP frames, times with 6 digits.',
    build: () => pcapFile(usecFrames, { littleEndian: true }),
  },
  {
    file: 'formats/pcap-be-usec.pcap',
    purpose: 'Big-endian pcap, microsecond magic: the same four frames and times as pcap-le-usec.pcap.',
    build: () => pcapFile(usecFrames, { littleEndian: false }),
  },
  {
    file: 'formats/pcap-le-nsec.pcap',
    purpose: 'Little-endian pcap, nanosecond magic 0xa1b23c4d: four frames, times with 9 digits.',
    build: () => pcapFile(nsecFrames, { littleEndian: true, nanosecond: true }),
  },
  {
    file: 'formats/pcap-be-nsec.pcap',
    purpose: 'Big-endian pcap, nanosecond magic: the same frames and times as pcap-le-nsec.pcap.',
    build: () => pcapFile(nsecFrames, { littleEndian: false, nanosecond: true }),
  },
  {
    file: 'formats/pcap-modified.pcap',
    purpose: 'Modified pcap (magic 0xa1b2cd34, 24-byte record headers): the same four frames as pcap-le-usec.pcap.',
    build: () => pcapFile(usecFrames, { modified: true }),
  },
  {
    file: 'formats/pcap-snaplen-odd.pcap',
    purpose: 'Snaplen 61: every frame is cut to 61 bytes and keeps its full original length.',
    build: () => pcapFile(cutToSnaplen(usecFrames, 61), { snaplen: 61 }),
  },
  {
    file: 'formats/pcap-caplen-over-snaplen.pcap',
    purpose: 'Snaplen 64 in the header but whole frames of 90 bytes: all four are read, with one malformed-capture problem.',
    build: () => pcapFile(usecFrames, { snaplen: 64 }),
  },
  {
    file: 'formats/pcap-truncated-data.pcap',
    purpose: 'The last record\'s data is cut 10 bytes short: three frames, then a "truncated" problem at frame 4.',
    build: () => pcapFile(usecFrames).subarray(0, -10),
  },
  {
    file: 'formats/pcap-truncated-header.pcap',
    purpose: 'The file ends 9 bytes into a fourth record header: three frames, then a "truncated" problem at frame 4.',
    build: () => Buffer.concat([pcapFile(usecFrames.slice(0, 3)), pcapRecordBytes(usecFrames[3]!, {}).subarray(0, 9)]),
  },
  {
    file: 'formats/pcap-absurd-caplen.pcap',
    purpose: 'The third record claims 0x7fffffff captured bytes: two frames, then a "malformed" problem, and reading stops.',
    build: () => {
      const bytes = pcapFile(usecFrames);
      bytes.writeUInt32LE(0x7fffffff, 24 + 2 * (16 + 90) + 8);
      return bytes;
    },
  },
  {
    file: 'formats/pcapng-le.pcapng',
    purpose: 'Little-endian pcapng, one Ethernet interface at the default microsecond resolution: four frames.',
    build: () => pcapngFile(usecFrames, true),
  },
  {
    file: 'formats/pcapng-be.pcapng',
    purpose: 'Big-endian pcapng with if_tsresol 9 (nanoseconds): four frames, times with 9 digits.',
    build: () => pcapngFile(nsecFrames, false, 9),
  },
  {
    file: 'formats/pcapng-two-sections.pcapng',
    purpose: 'Two sections: little-endian Ethernet at microseconds, then big-endian raw IPv4 (link type 101) at nanoseconds; two frames each.',
    build: twoSections,
  },
  {
    file: 'formats/pcapng-tsresol-binary.pcapng',
    purpose: 'if_tsresol 0x94 (units of 2^-20 s): fractions 0, 1, 2^19 and 2^20-1 units give .000000000, .000000953, .500000000 and .999999046.',
    build: binaryResolution,
  },
  {
    file: 'formats/pcapng-tsoffset.pcapng',
    purpose: 'if_tsoffset 1700000000 s with packet timestamps counted from it: the same times as pcap-le-usec.pcap.',
    build: timestampOffset,
  },
  {
    file: 'formats/pcapng-simple-packets.pcapng',
    purpose: 'Enhanced, two Simple and one Enhanced Packet Block at snaplen 60: the Simple ones take the previous frame\'s time.',
    build: simplePackets,
  },
  {
    file: 'formats/pcapng-obsolete-packets.pcapng',
    purpose: 'Four obsolete Packet Blocks (type 2) carrying the frames of pcap-le-usec.pcap.',
    build: obsoletePackets,
  },
  {
    file: 'formats/pcapng-unknown-blocks.pcapng',
    purpose: 'Name Resolution, custom (0x00000bad, 0x40000bad), unknown (0x12345678) and Interface Statistics blocks between three packets; the packets are frames 1, 3 and 5 because Wireshark numbers the two custom blocks as frames.',
    build: unknownBlocks,
  },
  {
    file: 'formats/pcapng-two-interfaces.pcapng',
    purpose: 'Interface 0 Ethernet at microseconds and interface 1 raw IPv4 at nanoseconds, alternating: link types 1 and 101.',
    build: twoInterfaces,
  },
  {
    file: 'formats/pcapng-bad-block-length.pcapng',
    purpose: 'The third packet block has total length 126, not a multiple of 4: two frames, then a "malformed" problem, and reading stops.',
    build: badBlockLength,
  },
  {
    file: 'formats/pcapng-trailer-mismatch.pcapng',
    purpose: 'The second packet block\'s trailing length differs from its leading one: three frames and one "malformed" problem.',
    build: trailerMismatch,
  },
  {
    file: 'formats/pcap-le-usec.pcap.gz',
    purpose: 'pcap-le-usec.pcap compressed with gzip: read by content, the same four frames.',
    build: () => gzipSync(pcapFile(usecFrames)),
  },
  {
    file: 'formats/pcapng-be.pcapng.gz',
    purpose: 'pcapng-be.pcapng compressed with gzip: the same four frames.',
    build: () => gzipSync(pcapngFile(nsecFrames, false, 9)),
  },
  {
    file: 'formats/gzip-truncated.pcap.gz',
    purpose: 'A gzip of a 40-frame pcap cut in the middle: the frames before the cut, then "truncated" problems.',
    build: () => {
      const whole = gzipSync(pcapFile(espFrames(40, 6, 200)), { level: 1 });
      return whole.subarray(0, Math.floor(whole.length / 2));
    },
  },
  {
    file: 'formats/capture-name.txt',
    purpose: 'A pcap with a .txt name: recognised by its magic, not its name, four frames.',
    build: () => pcapFile(usecFrames),
  },
  {
    file: 'formats/merge-peer-a.pcap',
    purpose: 'Peer A\'s side of a tunnel (pcap, microseconds): merged with merge-peer-b.pcapng by time, ties going to A.',
    build: () => pcapFile(peers.a),
  },
  {
    file: 'formats/merge-peer-b.pcapng',
    purpose: 'Peer B\'s side of the same tunnel (pcapng): its frame 4 has the same time as A\'s frame 4.',
    build: () => pcapngFile(peers.b, true),
  },
  {
    file: 'formats/reject-snoop.cap',
    purpose: 'A Solaris snoop header ("snoop\\0\\0\\0", version 2, Ethernet): rejected as "Solaris snoop capture".',
    build: () => Buffer.concat([Buffer.from('snoop\0\0\0', 'latin1'), Buffer.from([0, 0, 0, 2, 0, 0, 0, 4])]),
  },
  {
    file: 'formats/reject-text.pcap',
    purpose: 'A text file named .pcap: rejected as "text".',
    build: () => Buffer.from('No. Time Source Destination Protocol\n1 0.000000 192.0.2.1 198.51.100.1 ESP\n'),
  },
  {
    file: 'formats/reject-empty.pcap',
    purpose: 'An empty file: rejected as "empty file".',
    build: () => new Uint8Array(0),
  },
];
