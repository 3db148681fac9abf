// Recognises a capture by its first bytes, never by its file name: classic
// pcap (draft-ietf-opsawg-pcap §4), pcapng (draft-ietf-opsawg-pcapng §4.1)
// and gzip (RFC 1952 §2.3.1). The error for anything else names what the
// bytes look like, so the user sees what they passed.

import { CaptureFormatError } from './types.js';

/** Bytes read before deciding: enough to tell text from binary and to see a tar header's "ustar" at offset 257. */
export const HEAD_LENGTH = 512;

export type DetectedFormat = 'pcap' | 'pcapng' | 'gzip';

/** Classic pcap magics as read big-endian from the first four bytes. */
export const PCAP_MAGICS = {
  microBig: 0xa1b2c3d4,
  microLittle: 0xd4c3b2a1,
  nanoBig: 0xa1b23c4d,
  nanoLittle: 0x4d3cb2a1,
  // The "modified" format of Alexey Kuznetsov's patched libpcap, with 8 more
  // bytes in every record header.
  modifiedBig: 0xa1b2cd34,
  modifiedLittle: 0x34cdb2a1,
} as const;

export const PCAPNG_SECTION_HEADER = 0x0a0d0d0a;

const PCAP_MAGIC_SET: ReadonlySet<number> = new Set(Object.values(PCAP_MAGICS));

/** Formats that are not captures, or captures in formats we do not read, by their leading bytes. */
const OTHER_FORMATS: { magic: number[]; found: string }[] = [
  { magic: [...Buffer.from('snoop\0\0\0', 'latin1')], found: 'Solaris snoop capture' },
  { magic: [...Buffer.from('GMBU', 'latin1')], found: 'Microsoft Network Monitor capture' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], found: 'xz-compressed data' },
  { magic: [0x42, 0x5a, 0x68], found: 'bzip2-compressed data' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], found: 'zstd-compressed data' },
  { magic: [0x50, 0x4b, 0x03, 0x04], found: 'zip archive' },
];

function startsWith(head: Uint8Array, magic: number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

function isText(head: Uint8Array): boolean {
  for (const c of head) {
    const printable = (c >= 0x20 && c < 0x7f) || c === 0x09 || c === 0x0a || c === 0x0d;
    if (!printable) return false;
  }
  return true;
}

/**
 * Returns the format of a file from its first bytes (up to HEAD_LENGTH).
 * Throws CaptureFormatError naming what was found when it is not a capture.
 */
export function detectFormat(head: Uint8Array, path: string): DetectedFormat {
  if (head.length === 0) throw new CaptureFormatError(path, 'empty file');
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4) {
    const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    if (PCAP_MAGIC_SET.has(magic)) return 'pcap';
    if (magic === PCAPNG_SECTION_HEADER) return 'pcapng';
  }
  throw new CaptureFormatError(path, describeUnknown(head));
}

/** Names what a head of unknown bytes looks like, for CaptureFormatError. */
export function describeUnknown(head: Uint8Array): string {
  for (const other of OTHER_FORMATS) if (startsWith(head, other.magic)) return other.found;
  if (head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar') return 'tar archive';
  if (isText(head)) return 'text';
  if (head.length < 4) return `file too short to be a capture (${head.length} bytes)`;
  const hex = Buffer.from(head.subarray(0, 4)).toString('hex');
  return `unknown magic 0x${hex}`;
}
