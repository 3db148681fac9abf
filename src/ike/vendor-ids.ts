// Names for Vendor ID payloads (RFC 2408 §3.16, RFC 7296 §3.12). Most known
// vendor IDs are the MD5 hash of a text, sometimes cut short or followed by
// version bytes, so the table is computed from those texts at load time.

import { createHash } from 'node:crypto';
import { fromHex, toHex } from '../util/bytes.js';

interface KnownVendorId {
  name: string;
  /** The bytes a vendor ID must start with. */
  prefix: Uint8Array;
  /** True when bytes may follow the prefix (a version or feature field). */
  open: boolean;
}

function md5(text: string): Uint8Array {
  return createHash('md5').update(text, 'utf8').digest();
}

/** Returns a vendor ID that is exactly the MD5 of `text`. */
function hashed(name: string, text: string = name): KnownVendorId {
  return { name, prefix: md5(text), open: false };
}

/** Returns a vendor ID that starts with the first `length` bytes of the MD5 of `text`, followed by anything. */
function hashedPrefix(name: string, text: string, length: number): KnownVendorId {
  return { name, prefix: md5(text).subarray(0, length), open: true };
}

const KNOWN: KnownVendorId[] = [
  hashed('RFC 3947 NAT-T', 'RFC 3947'),
  ...['00', '01', '02', '03', '04', '05', '06', '07', '08', '09'].map((n) => hashed(`draft-ietf-ipsec-nat-t-ike-${n}`)),
  // Some peers hashed the draft name with a trailing newline.
  hashed('draft-ietf-ipsec-nat-t-ike-02 (with newline)', 'draft-ietf-ipsec-nat-t-ike-02\n'),
  hashed('draft-stenberg-ipsec-nat-traversal-01'),
  hashed('draft-stenberg-ipsec-nat-traversal-02'),
  hashed('draft-huttunen-ipsec-esp-in-udp-00', 'draft-huttunen-ipsec-esp-in-udp-00.txt'),
  hashed('draft-huttunen-ipsec-esp-in-udp-01', 'draft-huttunen-ipsec-esp-in-udp-01.txt'),
  // XAUTH peers send the first 8 bytes of the hash of the draft's file name.
  hashedPrefix('XAUTH', 'draft-ietf-ipsra-isakmp-xauth-06.txt', 8),
  // Cisco Unity: 14 bytes of the hash, then major and minor version.
  hashedPrefix('Cisco Unity', 'CISCO-UNITY', 14),
  // Cisco IKEv1 fragmentation: the hash, optionally followed by a 4-byte flags field.
  hashedPrefix('Cisco Fragmentation', 'FRAGMENTATION', 16),
  hashed('strongSwan'),
  // Windows: the hash followed by a 4-byte version.
  hashedPrefix('MS NT5 ISAKMPOAKLEY', 'MS NT5 ISAKMPOAKLEY', 16),
  hashed('MS-Negotiation Discovery Capable'),
  hashed('Microsoft Vid-Initial-Contact', 'Vid-Initial-Contact'),
  hashed('IKE CGA Version 1'),
  // RFC 3706 §7 gives the DPD vendor ID as bytes, not as a hashed text: 14 fixed bytes, then major and minor version.
  { name: 'RFC 3706 DPD', prefix: fromHex('afcad71368a1f1c96b8696fc7757')!, open: true },
];

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

/** True when every byte is printable ASCII, as in Cisco's "CISCO-DELETE-REASON" vendor IDs. */
function isPrintableAscii(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  for (const b of data) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

/**
 * Returns a name for a vendor ID: a known vendor, the text itself when the
 * vendor ID is printable ASCII (raw text from the wire: escape it before
 * printing), or null when it is unknown.
 */
export function vendorName(data: Uint8Array): string | null {
  for (const known of KNOWN) {
    if (known.open ? startsWith(data, known.prefix) : data.length === known.prefix.length && startsWith(data, known.prefix)) {
      return known.name;
    }
  }
  if (isPrintableAscii(data)) return new TextDecoder('latin1').decode(data);
  return null;
}

/** Hex of the known vendor IDs with their names, for tests and documentation. */
export function knownVendorIds(): { name: string; hex: string; open: boolean }[] {
  return KNOWN.map((k) => ({ name: k.name, hex: toHex(k.prefix), open: k.open }));
}
