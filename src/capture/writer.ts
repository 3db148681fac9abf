// Writers for classic pcap (microsecond, little-endian) and pcapng. Used by
// the capture generator, the evidence output and the live ring of files.

import type { Timestamp } from '../types.js';

/** Bytes of a classic pcap global header (magic 0xa1b2c3d4, or 0xa1b23c4d with nanoseconds). */
export function pcapHeader(linkType: number, snaplen = 262144, nanosecond = false): Uint8Array {
  const b = Buffer.alloc(24);
  b.writeUInt32LE(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(snaplen, 16);
  b.writeUInt32LE(linkType, 20);
  return b;
}

/** Bytes of one classic pcap record. */
export function pcapRecord(time: Timestamp, data: Uint8Array, origLength = data.length, nanosecond = false): Uint8Array {
  const b = Buffer.alloc(16 + data.length);
  b.writeUInt32LE(time.sec >>> 0, 0);
  b.writeUInt32LE(nanosecond ? time.nsec : Math.floor(time.nsec / 1000), 4);
  b.writeUInt32LE(data.length, 8);
  b.writeUInt32LE(origLength, 12);
  b.set(data, 16);
  return b;
}

/** A whole pcap file from frames. */
export function buildPcap(linkType: number, frames: { time: Timestamp; data: Uint8Array; origLength?: number }[], nanosecond = false): Uint8Array {
  const parts = [pcapHeader(linkType, 262144, nanosecond)];
  for (const f of frames) parts.push(pcapRecord(f.time, f.data, f.origLength ?? f.data.length, nanosecond));
  return Buffer.concat(parts);
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

function option(code: number, value: Uint8Array): Uint8Array {
  const b = Buffer.alloc(4 + pad4(value.length));
  b.writeUInt16LE(code, 0);
  b.writeUInt16LE(value.length, 2);
  b.set(value, 4);
  return b;
}

function block(type: number, body: Uint8Array): Uint8Array {
  const total = 12 + body.length;
  const b = Buffer.alloc(total);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(total, 4);
  b.set(body, 8);
  b.writeUInt32LE(total, total - 4);
  return b;
}

const END_OF_OPTIONS = new Uint8Array(4);

/** A pcapng Section Header Block (little-endian), optionally with a comment. */
export function pcapngSectionHeader(comment?: string): Uint8Array {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeBigInt64LE(-1n, 8);
  const opts = comment ? Buffer.concat([option(1, Buffer.from(comment, 'utf8')), END_OF_OPTIONS]) : Buffer.alloc(0);
  return block(0x0a0d0d0a, Buffer.concat([fixed, opts]));
}

/** A pcapng Interface Description Block; tsresol 9 means nanoseconds, 6 microseconds. */
export function pcapngInterface(linkType: number, tsresol = 9, name?: string): Uint8Array {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(linkType, 0);
  fixed.writeUInt32LE(262144, 4);
  const opts: Uint8Array[] = [];
  if (name) opts.push(option(2, Buffer.from(name, 'utf8')));
  opts.push(option(9, Uint8Array.of(tsresol)));
  opts.push(END_OF_OPTIONS);
  return block(1, Buffer.concat([fixed, ...opts]));
}

/** A pcapng Enhanced Packet Block for an interface with the given decimal tsresol. */
export function pcapngEnhancedPacket(interfaceId: number, time: Timestamp, data: Uint8Array, origLength = data.length, tsresol = 9, comment?: string): Uint8Array {
  const units = BigInt(time.sec) * 10n ** BigInt(tsresol) + BigInt(Math.floor(time.nsec / 10 ** (9 - tsresol)));
  const fixed = Buffer.alloc(20);
  fixed.writeUInt32LE(interfaceId, 0);
  fixed.writeUInt32LE(Number(units >> 32n), 4);
  fixed.writeUInt32LE(Number(units & 0xffffffffn), 8);
  fixed.writeUInt32LE(data.length, 12);
  fixed.writeUInt32LE(origLength, 16);
  const padded = Buffer.alloc(pad4(data.length));
  padded.set(data, 0);
  const opts = comment ? Buffer.concat([option(1, Buffer.from(comment, 'utf8')), END_OF_OPTIONS]) : Buffer.alloc(0);
  return block(6, Buffer.concat([fixed, padded, opts]));
}

/** A whole single-interface pcapng file from frames. */
export function buildPcapng(linkType: number, frames: { time: Timestamp; data: Uint8Array; origLength?: number }[], tsresol = 9): Uint8Array {
  const parts = [pcapngSectionHeader(), pcapngInterface(linkType, tsresol)];
  for (const f of frames) parts.push(pcapngEnhancedPacket(0, f.time, f.data, f.origLength ?? f.data.length, tsresol));
  return Buffer.concat(parts);
}
