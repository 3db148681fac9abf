// Text forms of identification data: the ID payloads of both versions
// (RFC 7296 §3.5, RFC 2407 §4.6.2), NAT-OA addresses and traffic selector
// addresses. Text taken from the wire stays raw here; callers escape it with
// escapeForTerminal before printing.

import { toHex } from '../util/bytes.js';

export function ipv4Text(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** RFC 5952 text of a 16-byte IPv6 address: lowercase, longest zero run compressed. */
export function ipv6Text(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLength).join(':');
}

/** Text of an address of 4 or 16 bytes; hex for any other size. */
export function addressText(b: Uint8Array): string {
  if (b.length === 4) return ipv4Text(b);
  if (b.length === 16) return ipv6Text(b);
  return toHex(b);
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

const DN_ATTRIBUTES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E',
};

interface Der {
  tag: number;
  value: Uint8Array;
  end: number;
}

/** Reads one DER element at `pos`, or null when it does not fit (only definite lengths up to 4 bytes). */
function readDer(b: Uint8Array, pos: number, end: number): Der | null {
  if (pos + 2 > end) return null;
  const tag = b[pos]!;
  let length = b[pos + 1]!;
  let p = pos + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || p + n > end) return null;
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + b[p + i]!;
    p += n;
  }
  if (p + length > end) return null;
  return { tag, value: b.subarray(p, p + length), end: p + length };
}

function oidText(b: Uint8Array): string {
  if (b.length === 0) return '';
  const parts = [Math.floor(b[0]! / 40), b[0]! % 40];
  let v = 0;
  for (let i = 1; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if ((b[i]! & 0x80) === 0) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

/**
 * Text of a DER-encoded X.501 distinguished name ("C=CH, O=strongSwan,
 * CN=moon"), or null when the bytes are not a DN this reader understands.
 */
export function distinguishedNameText(b: Uint8Array): string | null {
  const seq = readDer(b, 0, b.length);
  if (!seq || seq.tag !== 0x30) return null;
  const parts: string[] = [];
  const rdns = seq.value;
  for (let pos = 0; pos < rdns.length; ) {
    const set = readDer(rdns, pos, rdns.length);
    if (!set || set.tag !== 0x31) return null;
    pos = set.end;
    for (let q = 0; q < set.value.length; ) {
      const atv = readDer(set.value, q, set.value.length);
      if (!atv || atv.tag !== 0x30) return null;
      q = atv.end;
      const oid = readDer(atv.value, 0, atv.value.length);
      if (!oid || oid.tag !== 0x06) return null;
      const value = readDer(atv.value, oid.end, atv.value.length);
      if (!value) return null;
      const key = DN_ATTRIBUTES[oidText(oid.value)] ?? oidText(oid.value);
      parts.push(`${key}=${utf8.decode(value.value)}`);
    }
  }
  return parts.join(', ');
}

/** An ID rendered as text, with what is wrong with it. */
export interface IdText {
  text: string;
  /** Reason the data does not fit its ID type (an IPv4 address that is not 4 bytes, a NUL in an FQDN), or null. */
  problem: string | null;
}

function fixed(idType: number, data: Uint8Array, size: number, render: (b: Uint8Array) => string): IdText {
  return data.length === size ? { text: render(data), problem: null } : { text: toHex(data), problem: `ID type ${idType} with ${data.length} bytes of data, ${size} expected` };
}

/** An FQDN or mail address: text that must not hold control characters such as NUL (RFC 7296 §3.5). */
function name(idType: number, data: Uint8Array): IdText {
  const control = data.findIndex((b) => b < 0x20 || b === 0x7f);
  const text = utf8.decode(data);
  return control < 0 ? { text, problem: null } : { text, problem: `ID type ${idType} text holds control byte 0x${data[control]!.toString(16).padStart(2, '0')} at ${control}` };
}

/**
 * Renders identification data by ID type. IKEv1 and IKEv2 share the numbers
 * for IPv4 (1), FQDN (2), user FQDN / RFC 822 (3), IPv6 (5), DER DN (9), DER
 * GN (10) and key ID (11). IKEv1 adds subnets and ranges (4, 6, 7, 8), and
 * IKEv2 adds ID_NULL (13, RFC 7619).
 */
export function idText(version: 1 | 2, idType: number, data: Uint8Array): IdText {
  switch (idType) {
    case 1:
      return fixed(idType, data, 4, ipv4Text);
    case 2:
    case 3:
      return name(idType, data);
    case 5:
      return fixed(idType, data, 16, ipv6Text);
    case 9: {
      const dn = distinguishedNameText(data);
      return { text: dn ?? toHex(data), problem: null };
    }
    case 13:
      if (version === 2) return { text: '', problem: data.length === 0 ? null : `ID_NULL with ${data.length} bytes of data` };
      break;
    default:
      break;
  }
  if (version === 1) {
    if (idType === 4) return fixed(idType, data, 8, (b) => `${ipv4Text(b.subarray(0, 4))}/${ipv4Text(b.subarray(4, 8))}`);
    if (idType === 7) return fixed(idType, data, 8, (b) => `${ipv4Text(b.subarray(0, 4))}-${ipv4Text(b.subarray(4, 8))}`);
    if (idType === 6) return fixed(idType, data, 32, (b) => `${ipv6Text(b.subarray(0, 16))}/${ipv6Text(b.subarray(16, 32))}`);
    if (idType === 8) return fixed(idType, data, 32, (b) => `${ipv6Text(b.subarray(0, 16))}-${ipv6Text(b.subarray(16, 32))}`);
  }
  return { text: toHex(data), problem: null };
}
